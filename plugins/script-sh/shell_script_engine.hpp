// The POSIX shell script engine: runs bin/<hook>.sh and executable bin/<hook> files.
#pragma once

#include <string>
#include <vector>

#include "haven/host_context.hpp"
#include "haven/script_engine.hpp"

namespace haven::sh {

class ShellScriptEngine final : public ScriptEngine {
 public:
  explicit ShellScriptEngine(HostContext& host) : host_(host) {}

  /// {".sh", ""}: "" is an executable file named exactly after the hook (the seed
  /// product's Linux hooks have no extension).
  std::vector<std::string> extensions() const override;

  /// Replaces the runner process with the script (see shell_command_line()), so the
  /// script's exit code, or the signal that killed it, is the runner's. The environment,
  /// stdout/stderr and process group are the runner's own. Returns only on error: the file
  /// cannot be read, or the interpreter or program cannot be executed (the message names
  /// the hook, the file and the interpreter).
  Result<int> run(const ScriptRun& run) noexcept override;

 private:
  HostContext& host_;
};

}  // namespace haven::sh
