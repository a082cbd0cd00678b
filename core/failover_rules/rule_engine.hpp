// Evaluates failover rules against a module's resources, every `period`, and says which
// action is due: an action is due once its condition has held for `handle_time` without a
// break, as the seed product does, so a checker that flaps does not trigger failovers.
// Pure: the caller passes the resources and the time.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover_rules/failover_rule.hpp"

namespace haven::failover {

/// Resource name ("custom.db") → value ("up"). `remote` is nullopt while the peer's
/// resources are not known; then every remote reference reads "unknown".
struct ResourceValues {
  std::map<std::string, std::string> local;
  std::optional<std::map<std::string, std::string>> remote;
};

/// The truth of `expr` for these values. A resource nobody set reads "unknown";
/// `class.?` is true when at least one resource of the class compares true, `class.*` when
/// every one does and there is at least one.
bool evaluate(const Expr& expr, const ResourceValues& values);

/// A rule whose action is due, and since when its condition holds.
struct DueAction {
  const FailoverRule* rule = nullptr;
  std::chrono::steady_clock::time_point true_since;
};

/// What one evaluation decided.
struct RuleOutcome {
  /// The first rule, in rule order, whose stop/stopstart/restart/swap is due now. It is
  /// reported once per period of truth: the condition must turn false before it fires again.
  std::optional<DueAction> action;
  /// The first wait() rule whose condition has held for handle_time and still holds: the
  /// module stays in WAIT NotReady while this is set.
  std::optional<DueAction> wait;
};

class RuleEngine {
 public:
  RuleEngine(std::vector<FailoverRule> rules, std::chrono::milliseconds handle_time);

  /// One evaluation at `now` (call it every `period`).
  RuleOutcome evaluate(const ResourceValues& values, std::chrono::steady_clock::time_point now);

  /// Forgets how long each condition has held (after the module restarts, or after an
  /// action was carried out: a condition still true must hold handle_time again to act again).
  void reset();

  /// True when the rule's condition held at the last evaluation (due or not yet).
  bool holds(const std::string& label) const;

  const std::vector<FailoverRule>& rules() const { return rules_; }

 private:
  struct Track {
    std::optional<std::chrono::steady_clock::time_point> true_since;
    bool fired = false;
    bool holding = false;  // the condition was true at the last evaluation
  };
  std::vector<FailoverRule> rules_;
  std::vector<Track> tracks_;
  std::chrono::milliseconds handle_time_;
};

}  // namespace haven::failover
