#include "failover_rules/rule_engine.hpp"

namespace haven::failover {
namespace {

bool compare_one(const Comparison& c, const std::string& actual) { return (actual == c.value) == c.equal; }

bool evaluate_comparison(const Comparison& c, const ResourceValues& values) {
  static const std::map<std::string, std::string> kNone;
  const auto& table = c.scope == ResourceScope::local ? values.local : (values.remote ? *values.remote : kNone);
  if (c.quantifier == Quantifier::one) {
    const auto it = table.find(c.klass + "." + c.id);
    return compare_one(c, it == table.end() ? std::string("unknown") : it->second);
  }
  const std::string prefix = c.klass + ".";
  bool seen = false;
  for (auto it = table.lower_bound(prefix); it != table.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    seen = true;
    const bool truth = compare_one(c, it->second);
    if (c.quantifier == Quantifier::any && truth) return true;
    if (c.quantifier == Quantifier::every && !truth) return false;
  }
  return c.quantifier == Quantifier::every && seen;
}

}  // namespace

bool evaluate(const Expr& expr, const ResourceValues& values) {
  switch (expr.kind) {
    case Expr::Kind::compare:
      return evaluate_comparison(expr.comparison, values);
    case Expr::Kind::negate:
      return !evaluate(*expr.operands.front(), values);
    case Expr::Kind::conjunction:
      for (const auto& operand : expr.operands)
        if (!evaluate(*operand, values)) return false;
      return true;
    case Expr::Kind::disjunction:
      for (const auto& operand : expr.operands)
        if (evaluate(*operand, values)) return true;
      return false;
  }
  return false;
}

RuleEngine::RuleEngine(std::vector<FailoverRule> rules, std::chrono::milliseconds handle_time)
    : rules_(std::move(rules)), tracks_(rules_.size()), handle_time_(handle_time) {}

void RuleEngine::reset() {
  for (auto& track : tracks_) {
    track.fired = false;
    track.true_since.reset();
    // `holding` stays: reset says nothing about whether a condition is true now.
  }
}

bool RuleEngine::holds(const std::string& label) const {
  for (std::size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].label == label) return tracks_[i].holding;
  return false;
}

RuleOutcome RuleEngine::evaluate(const ResourceValues& values, std::chrono::steady_clock::time_point now) {
  RuleOutcome outcome;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const FailoverRule& rule = rules_[i];
    Track& track = tracks_[i];
    if (!failover::evaluate(*rule.condition, values)) {
      track = Track{};
      continue;
    }
    track.holding = true;
    if (!track.true_since) track.true_since = now;
    if (now - *track.true_since < handle_time_) continue;
    const DueAction due{&rule, *track.true_since};
    if (rule.action == RuleAction::wait) {
      if (!outcome.wait) outcome.wait = due;
    } else if (!track.fired && !outcome.action) {
      track.fired = true;
      outcome.action = due;
    }
  }
  return outcome;
}

}  // namespace haven::failover
