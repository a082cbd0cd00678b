// The Lua 5.4 script engine: runs a hook file in a fresh interpreter with the `haven` API.
#pragma once

#include <string>
#include <vector>

#include "haven/host_context.hpp"
#include "haven/script_engine.hpp"

namespace haven::lua {

class LuaScriptEngine final : public ScriptEngine {
 public:
  explicit LuaScriptEngine(HostContext& host) : host_(host) {}

  /// {".lua"}.
  std::vector<std::string> extensions() const override;

  /// Runs the file in a new lua_State with the standard libraries, `arg`, `...` and the
  /// `haven` table. Returns 0 when the script ends normally, n after os.exit(n), or an
  /// error "start_prim.lua:12: message" with a traceback when it raises one (or does not
  /// compile). The environment is the process's own (the runner gets the module's).
  Result<int> run(const ScriptRun& run) noexcept override;

 private:
  HostContext& host_;
};

}  // namespace haven::lua
