#include <catch2/catch.hpp>

#include "failover_rules/rule_parser.hpp"

using namespace haven::failover;

namespace {

std::string error_of(const std::string& text) {
  auto parsed = parse_rules(text, "userconfig.xml", 40);
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

}  // namespace

TEST_CASE("the seed product's rule form parses into label, condition and action") {
  auto rules = parse_rules("ip_failure: if (ip.? == down) then stopstart();", "built-in");
  REQUIRE(rules);
  REQUIRE(rules->size() == 1);
  const FailoverRule& r = rules->front();
  CHECK(r.label == "ip_failure");
  CHECK(r.action == RuleAction::stopstart);
  REQUIRE(r.condition->kind == Expr::Kind::compare);
  const Comparison& c = r.condition->comparison;
  CHECK(c.scope == ResourceScope::local);
  CHECK(c.klass == "ip");
  CHECK(c.id.empty());
  CHECK(c.quantifier == Quantifier::any);
  CHECK(c.equal);
  CHECK(c.value == "down");
  CHECK(r.text == "ip_failure: if (ip.? == down) then stopstart();");
}

TEST_CASE("several rules over several lines keep their own line numbers") {
  const std::string text =
      "\n"
      "  # my rules\n"
      "  db_down: if (custom.db == down\n"
      "               && remote.custom.db != down) then swap();\n"
      "  // another\n"
      "  web: if (!(tcp.web == up) || local.heartbeat.* != up) then restart();\n";
  auto rules = parse_rules(text, "userconfig.xml", 30);
  REQUIRE(rules);
  REQUIRE(rules->size() == 2);
  CHECK((*rules)[0].label == "db_down");
  CHECK((*rules)[0].line == 32);
  CHECK((*rules)[0].action == RuleAction::swap);
  CHECK((*rules)[0].text == "db_down: if (custom.db == down && remote.custom.db != down) then swap();");
  REQUIRE((*rules)[0].condition->kind == Expr::Kind::conjunction);
  const Comparison& remote = (*rules)[0].condition->operands[1]->comparison;
  CHECK(remote.scope == ResourceScope::remote);
  CHECK(remote.klass == "custom");
  CHECK(remote.id == "db");
  CHECK_FALSE(remote.equal);
  CHECK((*rules)[1].line == 35);
  CHECK((*rules)[1].action == RuleAction::restart);
  REQUIRE((*rules)[1].condition->kind == Expr::Kind::disjunction);
  CHECK((*rules)[1].condition->operands[0]->kind == Expr::Kind::negate);
  CHECK((*rules)[1].condition->operands[1]->comparison.quantifier == Quantifier::every);
  CHECK((*rules)[1].condition->operands[1]->comparison.klass == "heartbeat");
}

TEST_CASE("every action name is understood") {
  for (auto [name, action] : std::vector<std::pair<std::string, RuleAction>>{{"stop", RuleAction::stop},
                                                                             {"stopstart", RuleAction::stopstart},
                                                                             {"wait", RuleAction::wait},
                                                                             {"restart", RuleAction::restart},
                                                                             {"swap", RuleAction::swap}}) {
    auto rules = parse_rules("r: if (custom.x == down) then " + name + "();", "t");
    REQUIRE(rules);
    CHECK(rules->front().action == action);
    CHECK(std::string(to_string(action)) == name);
  }
}

TEST_CASE("a resource id may hold dots, dashes and digits") {
  auto rules = parse_rules("m: if (module.mirror_198.51.100.2 == down) then wait();", "t");
  REQUIRE(rules);
  CHECK(rules->front().condition->comparison.klass == "module");
  CHECK(rules->front().condition->comparison.id == "mirror_198.51.100.2");
}

TEST_CASE("errors name the file, the line, the column, what was found and what was expected") {
  CHECK(error_of("r: if (custom.x == down) then reboot();") ==
        "userconfig.xml line 40 column 31: found 'reboot'; expected an action: stop(), stopstart(), wait(), restart() or swap()");
  CHECK(error_of("\nr: if (custom.x == sideways) then wait();") ==
        "userconfig.xml line 41 column 20: found 'sideways'; expected a value: init, up, down or unknown");
  CHECK(error_of("r: if (custom.x == down) then wait()") ==
        "userconfig.xml line 40 column 37: found the end of the rules; expected ';' at the end of the rule");
  CHECK(error_of("r if (custom.x == down) then wait();") ==
        "userconfig.xml line 40 column 3: found 'if'; expected ':' after the label 'r'");
  CHECK(error_of("r: if (custom == down) then wait();").find("'custom' is not a resource name") != std::string::npos);
  CHECK(error_of("r: if (custom.x = down) then wait();").find("unexpected character '='") != std::string::npos);
  CHECK(error_of("r: if (tcp.web* == down) then wait();").find("not part of one") != std::string::npos);
  CHECK(error_of("r: if (custom.x == down) then wait();\nr: if (custom.y == down) then stop();") ==
        "userconfig.xml line 41 column 1: rule 'r' is defined twice; expected each label once");
  CHECK(error_of("r: if ((custom.x == down) then wait();").find("expected ')' or an operator") != std::string::npos);
}

TEST_CASE("rules written in Lua are refused with a message saying so, not misread") {
  CHECK(error_of("  --Lua Rules\nRules = Rules + {}").find("written in Lua") != std::string::npos);
}

TEST_CASE("absurdly deep nesting is refused instead of exhausting the stack") {
  std::string deep = "r: if (" + std::string(100, '!') + "custom.x == down) then wait();";
  CHECK(error_of(deep).find("nested deeper") != std::string::npos);
}

TEST_CASE("an empty rule text is no rule at all") {
  auto rules = parse_rules("  \n # nothing here\n", "t");
  REQUIRE(rules);
  CHECK(rules->empty());
}
