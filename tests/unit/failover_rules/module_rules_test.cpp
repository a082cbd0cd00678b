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

config::Checker custom(const std::string& ident, config::FailureAction action) {
  config::Checker c;
  c.element = "custom";
  c.ident = ident;
  c.action = action;
  c.line = 12;
  return c;
}

}  // namespace

TEST_CASE("without <failover>, a module runs the four built-in rules") {
  config::UserConfig cfg;
  auto rules = module_rules(cfg, "userconfig.xml", {});
  REQUIRE(rules);
  CHECK(labels(*rules) ==
        std::vector<std::string>{"module_failure", "interface_failure", "ip_failure", "splitbrain_failure"});
  CHECK(rules->at(2).action == RuleAction::stopstart);
  CHECK(rules->at(1).action == RuleAction::wait);
}

TEST_CASE("plugins' checkers get a rule with the label prefix their plugin declares, custom checkers c_, each with "
          "its own action") {
  config::UserConfig cfg;
  cfg.check = config::CheckConfig{};
  cfg.check->checkers = {custom("db", config::FailureAction::stopstart),
                         custom("quiet", config::FailureAction::noaction)};
  const std::vector<GeneratedRuleSource> plugins{
      {"t_", "tcp", "web", config::FailureAction::restart, 12},
      {"p_", "ping", "gw", config::FailureAction::wait, 13},
      {"f_", "file", "ready", config::FailureAction::wait, 14},   // any plugin's prefix, none in the core
      {"", "ip", "vip", config::FailureAction::stopstart, 15}};  // no prefix: ip_failure acts
  auto rules = module_rules(cfg, "userconfig.xml", plugins);
  REQUIRE(rules);
  auto l = labels(*rules);
  CHECK(std::count(l.begin(), l.end(), "f_ready") == 1);
  CHECK(std::none_of(l.begin(), l.end(), [](const std::string& label) { return label.find("vip") != std::string::npos; }));
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
  auto rules = module_rules(cfg, "userconfig.xml", {});
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
  auto rules = module_rules(cfg, "userconfig.xml", {});
  REQUIRE(rules);
  CHECK(labels(*rules) == std::vector<std::string>{"mine"});
}

TEST_CASE("a broken rule text is an error naming userconfig.xml and the line") {
  config::UserConfig cfg;
  cfg.failover = config::FailoverConfig{};
  cfg.failover->line = 70;
  cfg.failover->rules = "\n\n bad: if (custom.x == down) then explode();";
  auto rules = module_rules(cfg, "/m/conf/userconfig.xml", {});
  REQUIRE_FALSE(rules);
  CHECK(rules.error().message.find("/m/conf/userconfig.xml line 72") == 0);
}
