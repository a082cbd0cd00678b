// The script engine for legacy Windows batch hooks (bin/<hook>.cmd, .bat): on Linux they run
// in haven's batch interpreter.
#pragma once

#include <string>
#include <vector>

#include "haven/host_context.hpp"
#include "haven/script_engine.hpp"

namespace haven::cmd {

class CmdScriptEngine final : public ScriptEngine {
 public:
  explicit CmdScriptEngine(HostContext& host) : host_(host) {}

  /// {".cmd", ".bat"}.
  std::vector<std::string> extensions() const override;

  /// Interprets the file with the process's environment, current directory, stdout and
  /// stderr (the runner's: the module environment and the user log). Returns the script's
  /// exit code; an error names the file, the line and the construct that stopped it.
  Result<int> run(const ScriptRun& run) noexcept override;

 private:
  HostContext& host_;
};

}  // namespace haven::cmd
