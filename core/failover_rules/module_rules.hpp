// The rules a module runs with: the built-in ones (unless `<failover extends="no">`), one per
// checker whose action is its own (t_<id>, p_<id>, c_<id>), then the administrator's.
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

/// The rule the seed product generates for each tcp, ping and custom checker: `t_<id>`,
/// `p_<id>`, `c_<id>`, with the checker's action (none for action="noaction").
std::vector<FailoverRule> checker_rules(const config::CheckConfig& check);

/// Every rule of the module, in evaluation order: built-ins (when extends), checker rules,
/// then `<failover>`'s own, written in the rule language or in Lua (`--Lua Rules`, whose
/// Rules.disable("label") removes a built-in or generated rule). A rule of the
/// administrator's with the label of a built-in or generated one replaces it. `config_file` names userconfig.xml in errors.
Result<std::vector<FailoverRule>> module_rules(const config::UserConfig& config, const std::string& config_file);

}  // namespace haven::failover
