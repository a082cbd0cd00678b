#include "lua_script_engine.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <lua.hpp>

#include "lua_app_api.hpp"
#include "lua_haven_api.hpp"

namespace haven::lua {
namespace {

struct StateCloser {
  void operator()(lua_State* L) const { lua_close(L); }
};
using StatePtr = std::unique_ptr<lua_State, StateCloser>;

// Message handler of the protected call: adds the traceback to an error, and lets the
// os.exit sentinel through untouched.
int add_traceback(lua_State* L) {
  if (lua_touserdata(L, 1) == exit_sentinel()) return 1;
  const char* msg = lua_tostring(L, 1);
  if (msg == nullptr) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, msg, 1);
  return 1;
}

Result<std::string> read_script(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Errc::not_found, "cannot read hook file " + file + ": it does not exist or is not readable");
  std::ostringstream buf;
  buf << in.rdbuf();
  auto text = buf.str();
  // Like the lua interpreter, skip a "#!" first line, keeping the line numbers.
  if (text.rfind("#", 0) == 0) {
    const auto nl = text.find('\n');
    text.replace(0, nl == std::string::npos ? text.size() : nl, "--");
  }
  return text;
}

void set_arg_table(lua_State* L, const ScriptRun& run) {
  lua_createtable(L, static_cast<int>(run.args.size()), 1);
  lua_pushstring(L, run.file.c_str());
  lua_rawseti(L, -2, 0);
  for (std::size_t i = 0; i < run.args.size(); ++i) {
    lua_pushlstring(L, run.args[i].data(), run.args[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setglobal(L, "arg");
}

}  // namespace

std::vector<std::string> LuaScriptEngine::extensions() const { return {".lua"}; }

Result<int> LuaScriptEngine::run(const ScriptRun& run) noexcept {
  try {
    auto text = read_script(run.file);
    if (!text.ok()) return std::move(text).error();

    StatePtr state(luaL_newstate());
    if (!state) return fail(Errc::internal, "cannot make a Lua interpreter for " + run.file + ": out of memory");
    lua_State* L = state.get();
    luaL_openlibs(L);
    RunState run_state;
    if (const char* module = std::getenv("SAFEMODULE")) run_state.module = module;
    open_haven_api(L, run_state, run.args);
    open_app_api(L, host_);
    set_arg_table(L, run);

    lua_pushcfunction(L, add_traceback);
    const int handler = lua_gettop(L);
    // Messages name the file as the administrator knows it: "start_prim.lua:12: ...".
    const auto chunk_name = "@" + std::filesystem::path(run.file).filename().string();
    if (luaL_loadbufferx(L, text->data(), text->size(), chunk_name.c_str(), "t") != LUA_OK) {
      std::string message = lua_tostring(L, -1);
      return fail(Errc::parse_error, message + " (in " + run.file + ")");
    }
    for (const auto& a : run.args) lua_pushlstring(L, a.data(), a.size());
    const int status = lua_pcall(L, static_cast<int>(run.args.size()), 0, handler);
    std::fflush(nullptr);
    if (status == LUA_OK) return run_state.exit_code.value_or(0);
    if (lua_touserdata(L, -1) == exit_sentinel()) return run_state.exit_code.value_or(0);
    const char* raw = lua_tostring(L, -1);
    std::string message = raw != nullptr ? raw : "unknown Lua error";
    return fail(Errc::invalid_argument, message);
  } catch (const std::exception& e) {
    return fail(Errc::internal, "the Lua engine failed running " + run.file + ": " + e.what());
  }
}

}  // namespace haven::lua
