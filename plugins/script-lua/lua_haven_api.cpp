#include "lua_haven_api.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>

#include <lua.hpp>

#include "lua_module_log.hpp"
#include "lua_process.hpp"
#include "lua_tcp_wait.hpp"

extern char** environ;

namespace haven::lua {
namespace {

// Lua unwinds errors with longjmp, which skips C++ destructors. So each function that
// holds C++ objects is split: the implementation returns -1 with a message pushed, and
// this wrapper, holding nothing, raises it with the caller's file and line.
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

// Joins the arguments as print() does, leaving one string on the stack.
std::string_view joined_arguments(lua_State* L) {
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    luaL_tolstring(L, i, nullptr);
    if (i < n) lua_pushliteral(L, " ");
  }
  lua_concat(L, n == 0 ? 0 : 2 * n - 1);
  std::size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  return {s, len};
}

int l_printi(lua_State* L) {
  const auto msg = joined_arguments(L);
  write_module_log('I', run_state(L).module, msg);
  return 0;
}

int l_printe(lua_State* L) {
  const auto msg = joined_arguments(L);
  write_module_log('E', run_state(L).module, msg);
  return 0;
}

bool to_argument(lua_State* L, int index, std::string& out) {
  const int t = lua_type(L, index);
  if (t != LUA_TSTRING && t != LUA_TNUMBER) return false;
  lua_pushvalue(L, index);  // lua_tolstring converts numbers in place: work on a copy
  std::size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  out.assign(s, len);
  lua_pop(L, 1);
  return true;
}

int exec_impl(lua_State* L) {
  ProcessRequest request;
  if (lua_type(L, 1) == LUA_TTABLE) {
    const auto count = static_cast<lua_Integer>(lua_rawlen(L, 1));
    for (lua_Integer i = 1; i <= count; ++i) {
      lua_rawgeti(L, 1, i);
      std::string arg;
      if (!to_argument(L, -1, arg))
        return push_failure(L, "haven.exec: element " + std::to_string(i) + " of the command is a " +
                                   luaL_typename(L, -1) + ", expected a string");
      lua_pop(L, 1);
      request.argv.push_back(std::move(arg));
    }
    lua_getfield(L, 1, "timeout");
    if (!lua_isnil(L, -1)) {
      int is_number = 0;
      const double seconds = lua_tonumberx(L, -1, &is_number);
      if (!is_number || !(seconds > 0) || !std::isfinite(seconds))
        return push_failure(L, "haven.exec: timeout must be a number of seconds above 0");
      request.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
    }
    lua_pop(L, 1);
    lua_getfield(L, 1, "capture");
    request.capture = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
  } else {
    for (int i = 1; i <= lua_gettop(L); ++i) {
      std::string arg;
      if (!to_argument(L, i, arg))
        return push_failure(L, "haven.exec: argument " + std::to_string(i) + " is a " + luaL_typename(L, i) +
                                   ", expected a string or a table { \"cmd\", \"arg\", timeout = s, capture = true }");
      request.argv.push_back(std::move(arg));
    }
  }
  if (request.argv.empty())
    return push_failure(L, "haven.exec: no command given; write haven.exec{ \"cmd\", \"arg\", ... }");

  const auto result = run_process(request);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, result.code);
  lua_setfield(L, -2, "code");
  lua_pushlstring(L, result.output.data(), result.output.size());
  lua_setfield(L, -2, "output");
  lua_pushboolean(L, result.timed_out ? 1 : 0);
  lua_setfield(L, -2, "timed_out");
  if (!result.error.empty()) {
    lua_pushlstring(L, result.error.data(), result.error.size());
    lua_setfield(L, -2, "error");
  }
  return 1;
}

int l_sleep(lua_State* L) {
  const double seconds = luaL_checknumber(L, 1);
  if (!(seconds > 0)) return 0;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - static_cast<double>(ts.tv_sec)) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  return 0;
}

int wait_tcp_impl(lua_State* L) {
  std::string host, port;
  if (!to_argument(L, 1, host)) return push_failure(L, "haven.wait_tcp: argument 1 must be a host name or address");
  if (!to_argument(L, 2, port)) return push_failure(L, "haven.wait_tcp: argument 2 must be a port");
  double seconds = 30;
  if (!lua_isnoneornil(L, 3)) {
    int is_number = 0;
    seconds = lua_tonumberx(L, 3, &is_number);
    if (!is_number || !(seconds >= 0) || !std::isfinite(seconds))
      return push_failure(L, "haven.wait_tcp: argument 3 must be a timeout in seconds");
  }
  const bool up = wait_for_tcp(host, port, std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
  lua_pushboolean(L, up ? 1 : 0);
  return 1;
}

int l_exit(lua_State* L) {
  int code = 0;
  if (lua_isboolean(L, 1)) {
    code = lua_toboolean(L, 1) ? 0 : 1;
  } else if (!lua_isnoneornil(L, 1)) {
    code = static_cast<int>(luaL_checkinteger(L, 1));
  }
  run_state(L).exit_code = code;
  lua_pushlightuserdata(L, exit_sentinel());
  return lua_error(L);
}

void set_string_field(lua_State* L, const char* key, const std::string& value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}

void push_environment(lua_State* L) {
  lua_newtable(L);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    lua_pushlstring(L, *e, static_cast<std::size_t>(eq - *e));
    lua_pushstring(L, eq + 1);
    lua_rawset(L, -3);
  }
}

}  // namespace

void* exit_sentinel() {
  static char sentinel;
  return &sentinel;
}

RunState& run_state(lua_State* L) { return **static_cast<RunState**>(lua_getextraspace(L)); }

void open_haven_api(lua_State* L, RunState& state, const std::vector<std::string>& args) {
  *static_cast<RunState**>(lua_getextraspace(L)) = &state;

  lua_newtable(L);
  set_string_field(L, "module", state.module);
  lua_createtable(L, static_cast<int>(args.size()), 0);
  for (std::size_t i = 0; i < args.size(); ++i) {
    lua_pushlstring(L, args[i].data(), args[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "args");
  push_environment(L);
  lua_setfield(L, -2, "env");
  const luaL_Reg functions[] = {
      {"printi", l_printi},
      {"printe", l_printe},
      {"exec", raising<exec_impl>},
      {"sleep", l_sleep},
      {"wait_tcp", raising<wait_tcp_impl>},
      {nullptr, nullptr},
  };
  luaL_setfuncs(L, functions, 0);
  lua_setglobal(L, "haven");

  lua_getglobal(L, "os");
  lua_pushcfunction(L, l_exit);
  lua_setfield(L, -2, "exit");
  lua_pop(L, 1);
}

}  // namespace haven::lua
