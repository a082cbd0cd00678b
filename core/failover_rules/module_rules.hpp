// The rules a module runs with: the built-in ones (unless `<failover extends="no">`), one per
// checker whose action is its own (c_<id> for the core's <custom>; a plugin's checker with the
// label prefix its plugin declares, t_<id> for tcp), then the administrator's.
#pragma once

#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "failover_rules/failover_rule.hpp"
#include "haven/result.hpp"

namespace haven::failover {

/// module_failure (module.? down → wait), interface_failure (intf.? down → wait),
/// ip_failure (ip.? down → stopstart), splitbrain_failure (splitbrain.? down → wait).
const std::vector<FailoverRule>& builtin_rules();

/// A checker whose failure gets a generated rule
/// `<label_prefix><id>: if (<resource_class>.<id> == down) then <action>();`.
struct GeneratedRuleSource {
  std::string label_prefix;    ///< "t_": from the checker's plugin ("c_" for <custom>)
  std::string resource_class;  ///< "tcp"
  std::string id;              ///< the checker's ident (or default id)
  config::FailureAction action = config::FailureAction::restart;
  int line = 0;                ///< of the checker's element
};

/// The rule the seed product generates for each checker with a label prefix (tcp `t_<id>`,
/// ping `p_<id>`, custom `c_<id>`, ...), with the checker's action (none for noaction).
std::vector<FailoverRule> checker_rules(const std::vector<GeneratedRuleSource>& checkers);

/// The sources of the `<custom>` checkers' rules (c_<id>): those checkers are the core's own.
std::vector<GeneratedRuleSource> custom_rule_sources(const config::UserConfig& config);

/// Every rule of the module, in evaluation order: built-ins (when extends), the generated
/// rules of `checkers` (the plugins' checkers, checks::CheckerPlan::rule_sources) and of the
/// `<custom>` checkers, then `<failover>`'s own, written in the rule language or in Lua
/// (`--Lua Rules`, whose Rules.disable("label") removes a built-in or generated rule). A rule
/// of the administrator's with the label of a built-in or generated one replaces it.
/// `config_file` names userconfig.xml in errors.
Result<std::vector<FailoverRule>> module_rules(const config::UserConfig& config, const std::string& config_file,
                                               const std::vector<GeneratedRuleSource>& checkers);

}  // namespace haven::failover
