// A failover rule as written in `<failover>`: `label: if (expr) then action();`, parsed into
// a tree the evaluator walks. Plain data: no I/O, no clock.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace haven::failover {

/// What a rule asks for when its condition has held for `handle_time`.
/// `wait` holds the module in WAIT NotReady while the condition stays true.
enum class RuleAction { stop, stopstart, wait, restart, swap };

/// "stop", "stopstart", "wait", "restart", "swap".
const char* to_string(RuleAction action) noexcept;

/// Which node's resources a reference reads.
enum class ResourceScope { local, remote };

/// How a reference with `?` or `*` as its id combines the resources of its class:
/// `?` is true when at least one of them matches, `*` when every one does (and one exists).
enum class Quantifier { one, any, every };

/// `[local.|remote.]class.id == value` (or `!=`).
struct Comparison {
  ResourceScope scope = ResourceScope::local;
  std::string klass;      ///< "ip", "custom", "heartbeat"
  std::string id;         ///< "ip_check"; empty for `?` and `*`
  Quantifier quantifier = Quantifier::one;
  bool equal = true;      ///< false for `!=`
  std::string value;      ///< init | up | down | unknown (| on | off for usersetting.*)
};

/// A boolean expression: a comparison, or !, && and || over sub-expressions.
struct Expr {
  enum class Kind { compare, negate, conjunction, disjunction };
  Kind kind = Kind::compare;
  Comparison comparison;                      ///< when kind is compare
  std::vector<std::unique_ptr<Expr>> operands;  ///< one for negate, two or more otherwise
};

/// One rule and where it was written, for the log and error messages.
struct FailoverRule {
  std::string label;
  std::shared_ptr<const Expr> condition;
  RuleAction action = RuleAction::wait;
  std::string source;  ///< "userconfig.xml" or "built-in"
  int line = 0;
  std::string text;    ///< the rule as written, trimmed, for `haven state -v`
};

}  // namespace haven::failover
