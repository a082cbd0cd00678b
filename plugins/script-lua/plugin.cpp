// The script-lua plugin: runs hooks written in Lua 5.4 (bin/<hook>.lua).
#include <memory>

#include "haven/plugin.hpp"
#include "lua_script_engine.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_engine(haven::HostContext& host) {
  return std::make_unique<haven::lua::LuaScriptEngine>(host);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindScriptEngine, "haven.script.lua", "0.1.0", "Runs module hooks written in Lua 5.4",
             make_engine)
