// Failover rules written in Lua: the same rule objects as the text language, a sandbox
// without io/os/require, errors that name the line.
#include <catch2/catch.hpp>

#include <algorithm>

#include "config/user_config_loader.hpp"
#include "failover_rules/lua_rules.hpp"
#include "failover_rules/module_rules.hpp"
#include "failover_rules/rule_engine.hpp"
#include "failover_rules/rule_parser.hpp"

using namespace haven;
using namespace haven::failover;

namespace {

std::string error_of(const std::string& text, int first_line = 1) {
  auto r = parse_lua_rules(text, "userconfig.xml", first_line);
  REQUIRE_FALSE(r);
  return r.error().message;
}

config::UserConfig load(const std::string& service_body) {
  const std::string xml = "<safe>\n<service mode=\"mirror\">\n" + service_body + "\n</service>\n</safe>\n";
  auto loaded = config::parse_user_config(xml, "userconfig.xml", {});
  for (const auto& d : loaded.diagnostics) INFO(d.message);
  REQUIRE(loaded.config);
  return *loaded.config;
}

std::vector<std::string> labels(const std::vector<FailoverRule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back(r.label);
  return out;
}

}  // namespace

TEST_CASE("a Lua rule made by if_then is the rule the text language makes, with its line") {
  const std::string text =
      "--Lua Rules\n"
      "Rules = Rules + {db_down = if_then(\"custom.db\", \"down\", Action.stopstart), _group = \"checker\"}\n"
      "Rules = Rules + {peer_ip = if_then(\"remote.ip.?\", \"down\", Action.wait)}\n";
  REQUIRE(is_lua_rules("  \n" + text));
  auto set = parse_lua_rules(text, "userconfig.xml", 10);
  REQUIRE(set);
  REQUIRE(set->rules.size() == 2);
  const FailoverRule& db = set->rules[0];
  CHECK(db.label == "db_down");
  CHECK(db.action == RuleAction::stopstart);
  CHECK(db.line == 11);
  CHECK(db.text == "db_down = if_then(\"custom.db\", \"down\", Action.stopstart)");
  auto textual = parse_rules("db_down: if (custom.db == down) then stopstart();", "t");
  REQUIRE(textual);
  ResourceValues down{{{"custom.db", "down"}}, std::nullopt};
  ResourceValues up{{{"custom.db", "up"}}, std::nullopt};
  CHECK(evaluate(*db.condition, down) == evaluate(*textual->front().condition, down));
  CHECK(evaluate(*db.condition, up) == evaluate(*textual->front().condition, up));
  CHECK(evaluate(*db.condition, down));

  const FailoverRule& peer = set->rules[1];
  CHECK(peer.condition->comparison.scope == ResourceScope::remote);
  CHECK(peer.condition->comparison.quantifier == Quantifier::any);
  CHECK(peer.action == RuleAction::wait);
  CHECK(peer.line == 12);
}

TEST_CASE("several Lua rules added at once keep a stable order, and Rules.disable lists labels") {
  auto set = parse_lua_rules("--Lua Rules\n"
                             "Rules = Rules + {b = if_then(\"custom.b\", \"down\", Action.stop),\n"
                             "                 a = if_then(\"custom.a\", \"up\", Action.swap)}\n"
                             "Rules.disable(\"ip_failure\")\n",
                             "userconfig.xml");
  REQUIRE(set);
  CHECK(labels(set->rules) == std::vector<std::string>{"a", "b"});
  CHECK(set->disabled == std::vector<std::string>{"ip_failure"});
}

TEST_CASE("Lua rules run without io, os, require or load") {
  CHECK(error_of("--Lua Rules\nio.open('/etc/passwd')\n").find("line 2") != std::string::npos);
  CHECK(error_of("--Lua Rules\nos.execute('true')\n").find("os") != std::string::npos);
  CHECK(error_of("--Lua Rules\nrequire('io')\n").find("require") != std::string::npos);
  CHECK(error_of("--Lua Rules\nload('return 1')()\n").find("load") != std::string::npos);
  CHECK(error_of("--Lua Rules\nlocal x = debug.getinfo(1)\n").find("debug") != std::string::npos);
}

TEST_CASE("a Lua rule script that loops for ever or eats memory is stopped with a message") {
  CHECK(error_of("--Lua Rules\nwhile true do end\n").find("too long") != std::string::npos);
  CHECK(error_of("--Lua Rules\nlocal t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end\n")
            .find("userconfig.xml line") != std::string::npos);
}

TEST_CASE("Lua rule errors name the file's line and what was expected") {
  const auto syntax = error_of("--Lua Rules\nRules = Rules +\n", 20);
  CHECK(syntax.find("userconfig.xml line 2") != std::string::npos);  // Lua names the line after the '+'
  CHECK(syntax.find("Lua rules") != std::string::npos);
  const auto bad_state = error_of("--Lua Rules\nRules = Rules + {x = if_then(\"custom.db\", \"sideways\", Action.stop)}\n", 5);
  CHECK(bad_state.find("userconfig.xml line 6") != std::string::npos);
  CHECK(bad_state.find("init, up, down or unknown") != std::string::npos);
  const auto no_action = error_of("--Lua Rules\nRules = Rules + {x = if_then(\"custom.db\", \"down\", Action.reboot)}\n");
  CHECK(no_action.find("Action.stopstart") != std::string::npos);
  const auto not_rule = error_of("--Lua Rules\nRules = Rules + {x = 3}\n");
  CHECK(not_rule.find("x is not a rule") != std::string::npos);
  const auto twice = error_of("--Lua Rules\nRules = Rules + {x = if_then(\"custom.a\", \"down\", Action.stop)}\n"
                              "Rules = Rules + {x = if_then(\"custom.b\", \"down\", Action.stop)}\n");
  CHECK(twice.find("added twice") != std::string::npos);
}

TEST_CASE("a module's Lua rules join the built-in ones, replace one of the same label, and disable others") {
  auto cfg = load("<failover><![CDATA[--Lua Rules\n"
                   "Rules = Rules + {module_failure = if_then(\"module.?\", \"down\", Action.stopstart)}\n"
                   "Rules = Rules + {db = if_then(\"custom.db\", \"down\", Action.restart)}\n"
                   "Rules.disable(\"ip_failure\")\n"
                   "]]></failover>");
  auto rules = module_rules(cfg, "userconfig.xml", {});
  REQUIRE(rules);
  const auto names = labels(*rules);
  CHECK(std::find(names.begin(), names.end(), "ip_failure") == names.end());
  CHECK(std::find(names.begin(), names.end(), "db") != names.end());
  auto module = std::find_if(rules->begin(), rules->end(), [](const auto& r) { return r.label == "module_failure"; });
  REQUIRE(module != rules->end());
  CHECK(module->action == RuleAction::stopstart);

  auto unknown = module_rules(load("<failover><![CDATA[--Lua Rules\nRules.disable(\"ip_down\")\n]]></failover>"),
                              "userconfig.xml", {});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("Rules.disable(\"ip_down\") names no rule") != std::string::npos);
  CHECK(unknown.error().message.find("ip_failure") != std::string::npos);
}

TEST_CASE("finding 14: pcall and xpcall cannot catch the instruction limit and go on") {
  // Bounded, so that without the fix the script ends (and wrongly succeeds) instead of hanging.
  const std::string spin = "local f = function() while true do end end\n";
  CHECK(error_of("--Lua Rules\n" + spin + "for i = 1, 2000 do pcall(f) end\n").find("too long") != std::string::npos);
  CHECK(error_of("--Lua Rules\n" + spin + "for i = 1, 2000 do xpcall(f, function(m) return m end) end\n")
            .find("too long") != std::string::npos);
  CHECK(error_of("--Lua Rules\n" + spin + "for i = 1, 2000 do pcall(pcall, pcall, f) end\n").find("too long") !=
        std::string::npos);
  // Otherwise they work as in Lua.
  auto fine = parse_lua_rules("--Lua Rules\n"
                              "local ok, err = pcall(error, 'x')\n"
                              "assert(not ok and err == 'x')\n"
                              "local ok2, v = xpcall(function(a) return a + 1 end, function(m) return 'h:' .. m end, 41)\n"
                              "assert(ok2 and v == 42)\n"
                              "local ok3, m = xpcall(error, function(m) return 'h:' .. m end, 'y', 0)\n"
                              "assert(not ok3 and m == 'h:y')\n"
                              "Rules = Rules + {db = if_then(\"custom.db\", \"down\", Action.stopstart)}\n",
                              "userconfig.xml", 1);
  INFO((fine ? std::string() : fine.error().message));
  REQUIRE(fine);
  CHECK(fine->rules.size() == 1);
}

TEST_CASE("finding 14: a Lua rule script may not set a __gc finalizer, which no limit could stop") {
  // 30 million iterations: three times the instruction limit, uncounted in a finalizer.
  const auto message = error_of("--Lua Rules\n"
                                "setmetatable({}, {__gc = function() local n = 0 for i = 1, 3e7 do n = n + 1 end end})\n");
  CHECK(message.find("userconfig.xml line 2") != std::string::npos);
  CHECK(message.find("__gc") != std::string::npos);
  // A metatable without __gc is fine, as in the rule helpers themselves.
  CHECK(parse_lua_rules("--Lua Rules\nlocal t = setmetatable({}, {__index = {a = 1}})\nassert(t.a == 1)\n",
                        "userconfig.xml", 1));
}

TEST_CASE("finding 14: Lua string patterns, which backtrack without counting instructions, are not in the sandbox") {
  CHECK(error_of("--Lua Rules\nlocal s = string.rep('a', 40)\nlocal i = s:find('.-.-.-.-.-.-.-b')\n")
            .find("userconfig.xml line 3") != std::string::npos);
  CHECK(error_of("--Lua Rules\nstring.gsub('x', 'x', 'y')\n").find("gsub") != std::string::npos);
}
