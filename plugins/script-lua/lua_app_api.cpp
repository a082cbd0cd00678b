#include "lua_app_api.hpp"

#include <exception>
#include <memory>
#include <new>
#include <string>

#include <lua.hpp>

#include "haven/application.hpp"
#include "haven/host_context.hpp"
#include "lua_haven_api.hpp"
#include "lua_module_log.hpp"

namespace haven::lua {
namespace {

constexpr const char* kAppMetatable = "haven.app";

// The Lua object: the plugin's object and the settings it was made with.
struct AppHandle {
  std::shared_ptr<Application> application;
  AppContext context;
};

// As in lua_haven_api.cpp: Lua unwinds with longjmp, which skips C++ destructors, so the
// implementations return -1 with a message pushed and hold nothing when this raises it.
template <int (*Impl)(lua_State*)>
int raising(lua_State* L) {
  int results;
  try {
    results = Impl(L);
  } catch (const std::exception& e) {
    lua_pushstring(L, e.what());
    results = -1;
  } catch (...) {
    lua_pushliteral(L, "unknown C++ exception");
    results = -1;
  }
  if (results >= 0) return results;
  luaL_where(L, 1);
  lua_insert(L, -2);
  lua_concat(L, 2);
  return lua_error(L);
}

int push_failure(lua_State* L, const std::string& message) {
  lua_pushlstring(L, message.data(), message.size());
  return -1;
}

// The value at `index` as a setting: strings, numbers and booleans.
bool to_setting(lua_State* L, int index, std::string& out) {
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN:
      out = lua_toboolean(L, index) ? "true" : "false";
      return true;
    case LUA_TSTRING:
    case LUA_TNUMBER: {
      lua_pushvalue(L, index);  // lua_tolstring converts numbers in place: work on a copy
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      out.assign(s, len);
      lua_pop(L, 1);
      return true;
    }
    default:
      return false;
  }
}

int app_new_impl(lua_State* L) {
  auto* host = static_cast<HostContext*>(lua_touserdata(L, lua_upvalueindex(1)));
  if (lua_type(L, 1) != LUA_TSTRING)
    return push_failure(L, "haven.app: argument 1 must be the application kind, e.g. \"postgresql\"");
  const std::string kind = lua_tostring(L, 1);
  AppContext context;
  if (!lua_isnoneornil(L, 2)) {
    if (!lua_istable(L, 2))
      return push_failure(L, "haven.app: argument 2 must be a table of settings, e.g. { data = \"/srv/pg\", port = 5432 }");
    lua_pushnil(L);
    while (lua_next(L, 2) != 0) {
      std::string key, value;
      if (lua_type(L, -2) != LUA_TSTRING)
        return push_failure(L, "haven.app: the settings' keys must be names, found a " +
                                   std::string(luaL_typename(L, -2)) + " key");
      key = lua_tostring(L, -2);
      if (!to_setting(L, -1, value))
        return push_failure(L, "haven.app: setting " + key + " is a " + luaL_typename(L, -1) +
                                   ", expected a string, a number or a boolean");
      context.settings[key] = value;
      lua_pop(L, 1);
    }
  }
  const std::string module = run_state(L).module;
  context.log = [module](LogLevel level, std::string_view message) {
    write_module_log(level == LogLevel::error || level == LogLevel::warning ? 'E' : 'I', module, message);
  };
  auto made = host->make_application(kind);
  if (!made) return push_failure(L, "haven.app(\"" + kind + "\"): " + made.error().message);
  void* memory = lua_newuserdatauv(L, sizeof(AppHandle), 0);
  new (memory) AppHandle{std::move(made).value(), std::move(context)};
  luaL_setmetatable(L, kAppMetatable);
  return 1;
}

// true, or nil and the reason.
int push_status(lua_State* L, const Status& status) {
  if (status) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushlstring(L, status.error().message.data(), status.error().message.size());
  return 2;
}

AppHandle& handle(lua_State* L) { return *static_cast<AppHandle*>(luaL_checkudata(L, 1, kAppMetatable)); }

int l_prepare(lua_State* L) {
  auto& h = handle(L);
  return push_status(L, h.application->prepare(h.context));
}

int l_start(lua_State* L) {
  auto& h = handle(L);
  return push_status(L, h.application->start(h.context));
}

int l_check(lua_State* L) {
  auto& h = handle(L);
  return push_status(L, h.application->check(h.context));
}

int stop_impl(lua_State* L) {
  auto& h = handle(L);
  StopMode mode = StopMode::graceful;
  if (!lua_isnoneornil(L, 2)) {
    const char* how = lua_tostring(L, 2);
    const std::string word = how == nullptr ? "" : how;
    if (word == "force" || word == "forced") mode = StopMode::forced;
    else if (word != "graceful" && !word.empty())
      return push_failure(L, "app:stop: argument must be \"force\" or nothing (graceful), not \"" + word + "\"");
  }
  return push_status(L, h.application->stop(h.context, mode));
}

int l_kind(lua_State* L) {
  const std::string kind = handle(L).application->kind();
  lua_pushlstring(L, kind.data(), kind.size());
  return 1;
}

int l_gc(lua_State* L) {
  static_cast<AppHandle*>(luaL_checkudata(L, 1, kAppMetatable))->~AppHandle();
  return 0;
}

}  // namespace

void open_app_api(lua_State* L, HostContext& host) {
  luaL_newmetatable(L, kAppMetatable);
  const luaL_Reg methods[] = {
      {"prepare", raising<l_prepare>}, {"start", raising<l_start>}, {"stop", raising<stop_impl>},
      {"check", raising<l_check>},     {"kind", raising<l_kind>},   {nullptr, nullptr},
  };
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);

  lua_getglobal(L, "haven");
  lua_pushlightuserdata(L, &host);
  lua_pushcclosure(L, raising<app_new_impl>, 1);
  lua_setfield(L, -2, "app");
  lua_pop(L, 1);
}

}  // namespace haven::lua
