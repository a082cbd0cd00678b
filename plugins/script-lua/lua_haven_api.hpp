// The `haven` table offered to Lua hooks, and os.exit redefined to end only the script.
#pragma once

#include <optional>
#include <string>
#include <vector>

struct lua_State;

namespace haven::lua {

/// What a run shares with the API functions; kept in the lua_State's extra space.
struct RunState {
  std::string module;               ///< $SAFEMODULE
  std::optional<int> exit_code;     ///< set by os.exit(n)
};

/// The value os.exit raises to unwind the script; the engine recognises it by identity.
void* exit_sentinel();

/// The RunState of a lua_State made by the engine.
RunState& run_state(lua_State* L);

/// Installs the global `haven` table (module, args, env, printi, printe, exec, sleep,
/// wait_tcp) and replaces os.exit. `args` are the hook's arguments.
void open_haven_api(lua_State* L, RunState& state, const std::vector<std::string>& args);

}  // namespace haven::lua
