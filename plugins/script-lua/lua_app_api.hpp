// haven.app(kind, settings): a Lua hook drives an application plugin (application.hpp).
//
//   local pg = haven.app("postgresql", { data = "/srv/pg/15/main", port = 5432 })
//   local ok, err = pg:start()      -- also pg:prepare(), pg:check(), pg:stop(), pg:stop("force")
//
// Each method returns true, or nil and the reason (as io.open does); its progress goes to
// the module log. haven.app raises an error when no plugin makes that kind.
#pragma once

struct lua_State;

namespace haven {
class HostContext;
}

namespace haven::lua {

/// Adds `app` to the global `haven` table (open_haven_api must have made it), making its
/// objects through `host`, which must outlive the lua_State.
void open_app_api(lua_State* L, HostContext& host);

}  // namespace haven::lua
