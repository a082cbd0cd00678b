// Failover rules written in Lua (`parse_lua_rules` in failover_rules/lua_rules.*): a script
// that runs inside haven-agent, as root, when a module starts. The input is the script (its
// first line is joined to a probe prologue, so lines keep their numbers); the accepted rules
// are then evaluated against a fake resource set, one by one and through a RuleEngine.
// Properties:
//   - no crash, no sanitizer report, no Lua panic (a panic aborts);
//   - bounded: one parse_lua_rules returns within 2 s of wall time, whatever the script does
//     (loops, pcall around loops, string work, to-be-closed variables, errors in metamethods)
//     with the sandbox's own limits (16 MiB, 10 million instructions, its time limit);
//   - no escape: a prologue records every function the sandbox offers, and an epilogue (run
//     when the script itself ends normally) walks what the script can reach (globals, their
//     fields, the string metatable, three levels deep) and reports any C function that was
//     not offered at the start: io, os, require, load, dofile, debug.* or any other library
//     function the script could have dug out (a script can only make Lua functions, so a new
//     C function is one the sandbox was hiding); a report is a disabled label holding a
//     per-process secret, which the script cannot write itself. A script that calls os, io,
//     require, load, dofile or debug gets a Lua error (a refusal) and nothing else;
//   - an accepted script yields rules with unique labels, a condition, a line in the script
//     and their text; a refused one says "userconfig.xml line N: Lua rules: ...".
// HAVEN_FUZZ_VERBOSE=1 in the environment prints each outcome, the rules and disabled labels.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "failover_rules/lua_rules.hpp"
#include "failover_rules/rule_engine.hpp"
#include "fuzz_check.hpp"

using namespace haven::failover;

namespace {

constexpr int kFirstLine = 40;  // as if the <failover> CDATA started on line 40 of userconfig.xml

const std::string& secret() {
  static const std::string value = [] {
    std::random_device random;
    std::string s = "HAVEN_FUZZ_ESCAPE_";
    for (int i = 0; i < 4; ++i) s += std::to_string(random());
    return s;
  }();
  return value;
}

// One line: captures, before the script runs, the functions the sandbox offers and the
// tools the epilogue needs (the script may overwrite the globals, not these locals).
std::string prologue() {
  return "local __hvf_next, __hvf_type, __hvf_pcall, __hvf_dump, __hvf_getmt, __hvf_disable, __hvf_tostring = "
         "next, type, pcall, string.dump, getmetatable, Rules.disable, tostring; "
         "local __hvf_offered = {} "
         "local function __hvf_collect(t, depth) "
         "  for k, v in __hvf_next, t do "
         "    if __hvf_type(v) == 'function' then __hvf_offered[v] = true "
         "    elseif __hvf_type(v) == 'table' and depth > 0 then __hvf_collect(v, depth - 1) end "
         "  end "
         "end "
         "__hvf_collect(_G, 2) __hvf_collect(__hvf_getmt('') or {}, 2) "
         "__hvf_offered[ipairs({})] = true __hvf_offered[utf8.codes('')] = true __hvf_offered[utf8.codes('', true)] = true "
         "__hvf_offered[pairs({})] = true; ";
}

std::string epilogue() {
  return "\n;do "
         "local seen = {} "
         "local function c_function(f) return not __hvf_pcall(__hvf_dump, f) end "
         "local function walk(t, path, depth) "
         "  if seen[t] then return end seen[t] = true "
         "  for k, v in __hvf_next, t do "
         "    if __hvf_type(v) == 'function' and not __hvf_offered[v] and c_function(v) then "
         "      __hvf_disable('" + secret() + ":' .. path .. '.' .. __hvf_tostring(k)) "
         "    elseif __hvf_type(v) == 'table' and depth > 0 then walk(v, path .. '.' .. __hvf_tostring(k), depth - 1) end "
         "  end "
         "end "
         "walk(_G, '_G', 3) walk(__hvf_getmt('') or {}, 'string_mt', 3) "
         "end\n";
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 400)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 && c != '\n') || u >= 0x7f ? '?' : c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view script(reinterpret_cast<const char*>(data), size);
  const std::string text = prologue() + std::string(script) + epilogue();

  const auto start = std::chrono::steady_clock::now();
  auto parsed = parse_lua_rules(text, "userconfig.xml", kFirstLine);
  const auto took = std::chrono::steady_clock::now() - start;
  static const bool verbose = std::getenv("HAVEN_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "parse: %s in %lld ms\n", parsed.ok() ? "accepted" : parsed.error().message.c_str(),
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    if (parsed.ok()) {
      for (const auto& rule : parsed->rules) std::fprintf(stderr, "  rule %s (line %d)\n", rule.text.c_str(), rule.line);
      for (const auto& label : parsed->disabled) std::fprintf(stderr, "  disabled %s\n", label.c_str());
    }
  }
  HAVEN_FUZZ_CHECK(took < std::chrono::seconds(2),
                   "the rules ran " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
                       " ms: " + printable(script));

  if (!parsed.ok()) {
    const auto& message = parsed.error().message;
    HAVEN_FUZZ_CHECK(message.rfind("userconfig.xml line ", 0) == 0 && message.find(": Lua rules: ") != std::string::npos,
                     "a refusal does not name the line: " + printable(message));
    HAVEN_FUZZ_CHECK(message.find(secret()) == std::string::npos, "an escape was reported: " + printable(message));
    return 0;
  }

  for (const auto& label : parsed->disabled)
    HAVEN_FUZZ_CHECK(label.find(secret()) == std::string::npos,
                     "the script reached " + label.substr(label.find(':') + 1) + ": " + printable(script));

  const int last_line = kFirstLine + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  std::set<std::string> labels;
  for (const auto& rule : parsed->rules) {
    HAVEN_FUZZ_CHECK(!rule.label.empty() && labels.insert(rule.label).second, "a label is empty or twice: " + rule.label);
    HAVEN_FUZZ_CHECK(rule.condition != nullptr, "rule " + rule.label + " has no condition");
    HAVEN_FUZZ_CHECK(rule.line >= kFirstLine && rule.line <= last_line,
                     "rule " + rule.label + " is on line " + std::to_string(rule.line));
    HAVEN_FUZZ_CHECK(!rule.text.empty(), "rule " + rule.label + " has no text");
  }

  ResourceValues values;
  values.local = {{"ip.a", "down"}, {"custom.db", "up"}, {"intf.eth0", "init"}, {"heartbeat.default", "up"},
                  {"module.m", "down"}, {"usersetting.maint", "on"}};
  values.remote = std::map<std::string, std::string>{{"custom.db", "down"}, {"ip.a", "up"}};
  for (const auto& rule : parsed->rules) (void)evaluate(*rule.condition, values);
  RuleEngine engine(parsed->rules, std::chrono::milliseconds(0));
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::seconds(1);
  (void)engine.evaluate(values, t0);
  values.remote.reset();
  (void)engine.evaluate(values, t0 + std::chrono::seconds(1));
  return 0;
}
