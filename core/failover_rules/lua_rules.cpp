#include "failover_rules/lua_rules.hpp"

#include <lua.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "failover_rules/rule_parser.hpp"

namespace haven::failover {
namespace {

constexpr std::size_t kMemoryLimit = 16 * 1024 * 1024;
constexpr int kInstructionLimit = 10'000'000;
// One instruction can be a C call that copies MiBs (s:upper() on an 8 MiB string), so the
// clock is read often: between two reads at most kHookEvery of them run.
constexpr int kHookEvery = 10;
constexpr std::chrono::milliseconds kTimeLimit{1000};

// The rule language's vocabulary, in Lua. It runs before the sandbox closes `debug`, and keeps
// debug.getinfo to itself to know the line of each rule. Returns the function that hands the
// results to C++.
constexpr const char* kPrelude = R"lua(
local getinfo = debug.getinfo
local added, disabled = {}, {}
local rule_mt = {}
Action = { stop = "stop", stopstart = "stopstart", wait = "wait", restart = "restart", swap = "swap" }
function if_then(resource, state, action)
  if type(resource) ~= "string" then
    error("if_then: the resource must be a string such as \"custom.db\" or \"remote.ip.?\", got " .. type(resource), 2)
  end
  if type(state) ~= "string" then
    error("if_then: the state must be a string: \"init\", \"up\", \"down\" or \"unknown\", got " .. type(state), 2)
  end
  if type(action) ~= "string" then
    error("if_then: the action must be Action.stop, Action.stopstart, Action.wait, Action.restart or Action.swap, got "
          .. type(action), 2)
  end
  return setmetatable({ resource = resource, state = state, action = action, line = getinfo(2, "l").currentline },
                      rule_mt)
end
local rules_mt = {}
rules_mt.__add = function(set, more)
  if type(more) ~= "table" then
    error("Rules + ...: expected a table such as {db_down = if_then(\"custom.db\", \"down\", Action.stopstart)}", 2)
  end
  local labels = {}
  for label, rule in pairs(more) do
    if type(label) ~= "string" then
      error("Rules + {...}: every rule needs a label, as in {db_down = if_then(...)}", 2)
    end
    if label:sub(1, 1) ~= "_" then
      if getmetatable(rule) ~= rule_mt then
        error("Rules + {...}: " .. label .. " is not a rule; expected " .. label ..
              " = if_then(resource, state, Action.x)", 2)
      end
      labels[#labels + 1] = label
    end
  end
  table.sort(labels)
  for _, label in ipairs(labels) do added[#added + 1] = { label = label, rule = more[label] } end
  return set
end
Rules = setmetatable({}, rules_mt)
function Rules.disable(label)
  if type(label) ~= "string" then error("Rules.disable: expected a rule label such as \"ip_failure\"", 2) end
  disabled[#disabled + 1] = label
end
return function() return added, disabled end
)lua";

struct Budget {
  std::size_t used = 0;
};

void* limited_alloc(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto* budget = static_cast<Budget*>(ud);
  const std::size_t old_counted = ptr == nullptr ? 0 : old_size;
  if (new_size == 0) {
    budget->used -= old_counted;
    std::free(ptr);
    return nullptr;
  }
  if (new_size > old_counted && budget->used + (new_size - old_counted) > kMemoryLimit) return nullptr;
  void* grown = std::realloc(ptr, new_size);
  if (grown != nullptr) budget->used = budget->used - old_counted + new_size;
  return grown;
}

struct InstructionBudget {
  int left = kInstructionLimit;
  bool exhausted = false;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::now() + kTimeLimit;
};

InstructionBudget& instruction_budget(lua_State* L) {
  return *static_cast<InstructionBudget*>(*static_cast<void**>(lua_getextraspace(L)));
}

[[noreturn]] void too_long(lua_State* L) {
  luaL_error(L, "the rules run for too long (more than %d Lua instructions or %d ms); they must only declare rules",
             kInstructionLimit, static_cast<int>(kTimeLimit.count()));
  std::abort();  // luaL_error does not return
}

void count_instructions(lua_State* L, lua_Debug*) {
  auto& budget = instruction_budget(L);
  if (budget.exhausted) too_long(L);
  budget.left -= kHookEvery;
  if (budget.left > 0 && std::chrono::steady_clock::now() < budget.deadline) return;
  // Once over, every instruction fails: code after a pcall that caught the error cannot go on.
  budget.exhausted = true;
  lua_sethook(L, count_instructions, LUA_MASKCOUNT, 1);
  too_long(L);
}

// pcall and xpcall as in the base library, except that the instruction limit passes
// through them: a script must not catch it and loop again.
int finish_protected_call(lua_State* L, int status, int first_result) {
  if (instruction_budget(L).exhausted) too_long(L);
  lua_pushboolean(L, status == LUA_OK);
  lua_insert(L, first_result);
  return lua_gettop(L) - first_result + 1;
}

int sandbox_pcall(lua_State* L) {
  luaL_checkany(L, 1);
  const int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  return finish_protected_call(L, status, 1);
}

int sandbox_xpcall(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 1);   // f h args f
  lua_rotate(L, 3, 1);   // f h f args
  const int status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
  return finish_protected_call(L, status, 3);
}

// setmetatable without __gc: Lua runs finalizers with hooks off (and at lua_close), where no
// instruction limit can stop them.
int sandbox_setmetatable(lua_State* L) {
  if (lua_istable(L, 2) && lua_getfield(L, 2, "__gc") != LUA_TNIL)
    return luaL_error(L, "setmetatable: a __gc finalizer is not allowed in failover rules; they must only declare rules");
  lua_settop(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, lua_isnoneornil(L, 2) || lua_istable(L, 2), 2, "nil or table");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
  lua_setmetatable(L, 1);
  return 1;
}

struct StateCloser {
  void operator()(lua_State* L) const { lua_close(L); }
};

// "userconfig.xml:12: msg" (Lua's form) becomes "userconfig.xml line 12: Lua rules: msg".
std::string administrator_message(const std::string& lua_message, const std::string& source, int first_line) {
  const std::string prefix = source + ":";
  if (lua_message.rfind(prefix, 0) == 0) {
    const auto colon = lua_message.find(':', prefix.size());
    const std::string line = lua_message.substr(prefix.size(), colon == std::string::npos ? 0 : colon - prefix.size());
    if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos)
      return fmt::format("{} line {}: Lua rules: {}", source, line,
                         colon + 2 <= lua_message.size() ? lua_message.substr(colon + 2) : std::string());
  }
  return fmt::format("{} line {}: Lua rules: {}", source, first_line, lua_message);
}

// The results are read back outside any protected call, where a Lua error is a panic (an
// abort): raw reads only, since a script can give its rule objects an __index that runs Lua,
// and no conversion, which could fail for memory. A field that is not a string reads "".
std::string field_string(lua_State* L, int table, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, table);
  std::string out = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  return out;
}

int field_int(lua_State* L, int table, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, table);
  const int out = lua_isinteger(L, -1) ? static_cast<int>(lua_tointeger(L, -1)) : 0;
  lua_pop(L, 1);
  return out;
}

}  // namespace

bool is_lua_rules(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text.substr(first).rfind("--Lua Rules", 0) == 0;
}

Result<LuaRuleSet> parse_lua_rules(std::string_view text, const std::string& source, int first_line) {
  Budget budget;
  // Declared before the state: the count hook stays set until lua_close, and reads it.
  InstructionBudget instructions;
  std::unique_ptr<lua_State, StateCloser> owner(lua_newstate(limited_alloc, &budget));
  if (!owner) return fail(Errc::internal, source + ": cannot create a Lua state for the failover rules");
  lua_State* L = owner.get();
  *static_cast<void**>(lua_getextraspace(L)) = &instructions;

  // The sandbox: base, string, table, math and utf8; no io, os, package, coroutine, and no
  // base function that reads files or compiles code.
  const std::pair<const char*, lua_CFunction> libraries[] = {
      {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string}, {LUA_TABLIBNAME, luaopen_table},
      {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},  {LUA_DBLIBNAME, luaopen_debug}};
  for (const auto& [name, open] : libraries) {
    luaL_requiref(L, name, open, 1);
    lua_pop(L, 1);
  }
  if (luaL_loadbufferx(L, kPrelude, std::char_traits<char>::length(kPrelude), "=haven rules prelude", "t") != LUA_OK ||
      lua_pcall(L, 0, 1, 0) != LUA_OK)
    return fail(Errc::internal, std::string("the Lua rules prelude failed: ") + lua_tostring(L, -1));
  const int collect = lua_gettop(L);
  for (const char* name : {"debug", "dofile", "loadfile", "load", "require", "collectgarbage", "print"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_register(L, "pcall", sandbox_pcall);
  lua_register(L, "xpcall", sandbox_xpcall);
  lua_register(L, "setmetatable", sandbox_setmetatable);
  // Pattern matching backtracks in C, where the instruction count does not reach.
  lua_getglobal(L, LUA_STRLIBNAME);
  for (const char* name : {"find", "match", "gmatch", "gsub"}) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 1);

  // Blank lines first, so that Lua's line numbers are the file's.
  const std::string chunk = std::string(static_cast<std::size_t>(std::max(0, first_line - 1)), '\n') + std::string(text);
  lua_sethook(L, count_instructions, LUA_MASKCOUNT, kHookEvery);
  int status = luaL_loadbufferx(L, chunk.data(), chunk.size(), ("=" + source).c_str(), "t");
  if (status == LUA_OK) status = lua_pcall(L, 0, 0, 0);
  if (status != LUA_OK) {
    // Not lua_tostring on a number: converting allocates, and failing here (memory full) is
    // an unprotected error, a panic.
    std::string message = status == LUA_ERRMEM ? "out of memory (more than 16 MiB)" : "an error that is not a string";
    if (lua_type(L, -1) == LUA_TSTRING) message = lua_tostring(L, -1);
    else if (lua_isinteger(L, -1)) message = std::to_string(lua_tointeger(L, -1));
    else if (lua_type(L, -1) == LUA_TNUMBER) message = fmt::format("{}", lua_tonumber(L, -1));
    return fail(Errc::invalid_argument, administrator_message(message, source, first_line));
  }
  lua_pushvalue(L, collect);
  if (lua_pcall(L, 0, 2, 0) != LUA_OK)
    return fail(Errc::internal, source + ": cannot read the Lua rules back: " + lua_tostring(L, -1));
  const int added = lua_gettop(L) - 1;
  const int disabled = lua_gettop(L);

  LuaRuleSet out;
  std::set<std::string> labels;
  const auto count = static_cast<lua_Integer>(lua_rawlen(L, added));
  for (lua_Integer i = 1; i <= count; ++i) {
    lua_rawgeti(L, added, i);
    const int entry = lua_gettop(L);
    const std::string label = field_string(L, entry, "label");
    lua_pushstring(L, "rule");
    lua_rawget(L, entry);
    const int rule = lua_gettop(L);
    const std::string resource = field_string(L, rule, "resource");
    const std::string state = field_string(L, rule, "state");
    const std::string action = field_string(L, rule, "action");
    const int line = field_int(L, rule, "line");
    lua_pop(L, 2);
    if (!labels.insert(label).second)
      return fail(Errc::invalid_argument, fmt::format("{} line {}: Lua rules: rule '{}' is added twice; expected each "
                                                      "label once",
                                                      source, line, label));
    // The same rule objects as the text language: the rule is written in it and read back.
    auto parsed = parse_rules(fmt::format("{}: if ({} == {}) then {}();", label, resource, state, action), source, line);
    if (!parsed)
      return fail(Errc::invalid_argument,
                  fmt::format("{} line {}: Lua rules: rule {} = if_then(\"{}\", \"{}\", \"{}\") is not valid: {}", source,
                              line, label, resource, state, action, parsed.error().message));
    FailoverRule made = std::move(parsed->front());
    made.text = fmt::format("{} = if_then(\"{}\", \"{}\", Action.{})", label, resource, state, action);
    out.rules.push_back(std::move(made));
  }
  const auto disabled_count = static_cast<lua_Integer>(lua_rawlen(L, disabled));
  for (lua_Integer i = 1; i <= disabled_count; ++i) {
    lua_rawgeti(L, disabled, i);
    out.disabled.emplace_back(lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
  }
  return out;
}

}  // namespace haven::failover
