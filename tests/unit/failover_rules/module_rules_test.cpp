#include <catch2/catch.hpp>

#include <algorithm>

#include "failover_rules/module_rules.hpp"
#include "failover_rules/rule_engine.hpp"

using namespace haven;
using namespace haven::failover;

namespace {

std::vector<std::string> labels(const std::vector<FailoverRule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back(r.label);
  return out;
}

config::Checker checker(config::CheckerKind kind, const std::string& ident, config::FailureAction action) {
  config::Checker c;
  c.kind = kind;
  c.ident = ident;
  c.action = action;
  c.line = 12;
  return c;
}

}  // namespace

TEST_CASE("without <failover>, a module runs the four built-in rules") {
  config::UserConfig cfg;
  auto rules = module_rules(cfg, "userconfig.xml");
  REQUIRE(rules);
  CHECK(labels(*rules) ==
        std::vector<std::string>{"module_failure", "interface_failure", "ip_failure", "splitbrain_failure"});
  CHECK(rules->at(2).action == RuleAction::stopstart);
  CHECK(rules->at(1).action == RuleAction::wait);
}

TEST_CASE("tcp, ping and custom checkers generate t_, p_ and c_ rules with their own action") {
  config::UserConfig cfg;
  cfg.check = config::CheckConfig{};
  cfg.check->checkers = {checker(config::CheckerKind::tcp, "web", config::FailureAction::restart),
                         checker(config::CheckerKind::ping, "gw", config::FailureAction::wait),
                         checker(config::CheckerKind::custom, "db", config::FailureAction::stopstart),
                         checker(config::CheckerKind::custom, "quiet", config::FailureAction::noaction),
                         checker(config::CheckerKind::ip, "vip", config::FailureAction::stopstart)};
  auto rules = module_rules(cfg, "userconfig.xml");
  REQUIRE(rules);
  auto l = labels(*rules);
  CHECK(std::count(l.begin(), l.end(), "t_web") == 1);
  CHECK(std::count(l.begin(), l.end(), "p_gw") == 1);
  CHECK(std::count(l.begin(), l.end(), "c_db") == 1);
  CHECK(std::count(l.begin(), l.end(), "c_quiet") == 0);  // noaction: nothing to do
  auto web = std::find_if(rules->begin(), rules->end(), [](auto& r) { return r.label == "t_web"; });
  CHECK(web->action == RuleAction::restart);
  CHECK(web->condition->comparison.klass == "tcp");
  CHECK(web->condition->comparison.id == "web");
  CHECK(web->line == 12);

  ResourceValues v;
  v.local = {{"custom.db", "down"}};
  auto db = std::find_if(rules->begin(), rules->end(), [](auto& r) { return r.label == "c_db"; });
  CHECK(evaluate(*db->condition, v));
}

TEST_CASE("the administrator's rules come last, and one with a built-in's label replaces it") {
  config::UserConfig cfg;
  cfg.failover = config::FailoverConfig{};
  cfg.failover->line = 50;
  cfg.failover->rules = "\n ip_failure: if (ip.? == down) then wait();\n mine: if (custom.x == down) then swap();\n";
  auto rules = module_rules(cfg, "userconfig.xml");
  REQUIRE(rules);
  CHECK(labels(*rules) ==
        std::vector<std::string>{"module_failure", "interface_failure", "ip_failure", "splitbrain_failure", "mine"});
  CHECK(rules->at(2).action == RuleAction::wait);
  CHECK(rules->at(2).line == 51);
  CHECK(rules->at(4).line == 52);
}

TEST_CASE("extends=no leaves only the administrator's rules") {
  config::UserConfig cfg;
  cfg.failover = config::FailoverConfig{};
  cfg.failover->extends = false;
  cfg.failover->rules = "mine: if (custom.x == down) then stop();";
  auto rules = module_rules(cfg, "userconfig.xml");
  REQUIRE(rules);
  CHECK(labels(*rules) == std::vector<std::string>{"mine"});
}

TEST_CASE("a broken rule text is an error naming userconfig.xml and the line") {
  config::UserConfig cfg;
  cfg.failover = config::FailoverConfig{};
  cfg.failover->line = 70;
  cfg.failover->rules = "\n\n bad: if (custom.x == down) then explode();";
  auto rules = module_rules(cfg, "/m/conf/userconfig.xml");
  REQUIRE_FALSE(rules);
  CHECK(rules.error().message.find("/m/conf/userconfig.xml line 72") == 0);
}
