#include "failover_rules/module_rules.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "failover_rules/lua_rules.hpp"
#include "failover_rules/rule_parser.hpp"

namespace haven::failover {
namespace {

FailoverRule built_in(const std::string& text) {
  auto parsed = parse_rules(text, "built-in");
  // The texts below are constants of this file: a parse failure is a bug caught by the tests.
  FailoverRule rule = std::move(parsed.value().front());
  return rule;
}

std::optional<RuleAction> rule_action(config::FailureAction action) {
  switch (action) {
    case config::FailureAction::restart: return RuleAction::restart;
    case config::FailureAction::stopstart: return RuleAction::stopstart;
    case config::FailureAction::stop: return RuleAction::stop;
    case config::FailureAction::wait: return RuleAction::wait;
    case config::FailureAction::swap: return RuleAction::swap;
    case config::FailureAction::noaction:
    case config::FailureAction::handler: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<FailoverRule>& builtin_rules() {
  static const std::vector<FailoverRule> rules{
      built_in("module_failure: if (module.? == down) then wait();"),
      built_in("interface_failure: if (intf.? == down) then wait();"),
      built_in("ip_failure: if (ip.? == down) then stopstart();"),
      built_in("splitbrain_failure: if (splitbrain.? == down) then wait();"),
  };
  return rules;
}

std::vector<FailoverRule> checker_rules(const std::vector<GeneratedRuleSource>& checkers) {
  std::vector<FailoverRule> rules;
  for (const auto& checker : checkers) {
    if (checker.label_prefix.empty()) continue;  // a built-in rule acts on its class
    const auto action = rule_action(checker.action);
    if (!action) continue;
    const std::string text = fmt::format("{}{}: if ({}.{} == down) then {}();", checker.label_prefix, checker.id,
                                         checker.resource_class, checker.id, to_string(*action));
    auto parsed = parse_rules(text, "generated from userconfig.xml");
    if (!parsed) continue;  // an id the rule language cannot hold: no rule can name it either
    FailoverRule rule = std::move(parsed->front());
    rule.line = checker.line;
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::vector<GeneratedRuleSource> custom_rule_sources(const config::UserConfig& config) {
  std::vector<GeneratedRuleSource> sources;
  if (!config.check) return sources;
  for (const auto& checker : config.check->checkers)
    if (checker.element == "custom")
      sources.push_back(GeneratedRuleSource{"c_", "custom", checker.ident,
                                            checker.action.value_or(config::FailureAction::noaction), checker.line});
  return sources;
}

Result<std::vector<FailoverRule>> module_rules(const config::UserConfig& config, const std::string& config_file,
                                               const std::vector<GeneratedRuleSource>& checkers) {
  std::vector<FailoverRule> rules;
  const bool extends = !config.failover || config.failover->extends;
  if (extends) rules = builtin_rules();
  auto sources = checkers;
  for (auto& custom : custom_rule_sources(config)) sources.push_back(std::move(custom));
  auto generated = checker_rules(sources);
  rules.insert(rules.end(), generated.begin(), generated.end());
  if (!config.failover) return rules;
  std::vector<FailoverRule> own;
  if (is_lua_rules(config.failover->rules)) {
    auto lua = parse_lua_rules(config.failover->rules, config_file, config.failover->line);
    if (!lua) return lua.error();
    for (const auto& label : lua->disabled) {
      auto found = std::find_if(rules.begin(), rules.end(), [&](const FailoverRule& r) { return r.label == label; });
      if (found == rules.end()) {
        std::string known;
        for (const auto& r : rules) known += (known.empty() ? "" : ", ") + r.label;
        return fail(Errc::invalid_argument,
                    fmt::format("{} line {}: Lua rules: Rules.disable(\"{}\") names no rule of this module; expected "
                                "one of: {}",
                                config_file, config.failover->line, label, known.empty() ? "(none)" : known));
      }
      rules.erase(found);
    }
    own = std::move(lua->rules);
  } else {
    auto parsed = parse_rules(config.failover->rules, config_file, config.failover->line);
    if (!parsed) return parsed.error();
    own = std::move(*parsed);
  }
  for (auto& rule : own) {
    auto same = std::find_if(rules.begin(), rules.end(), [&](const FailoverRule& r) { return r.label == rule.label; });
    if (same != rules.end()) *same = std::move(rule);
    else rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace haven::failover
