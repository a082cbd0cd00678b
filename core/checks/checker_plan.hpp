// Which checkers a module runs, read from its configuration: every plugin's element inside
// `<check>` and `<errd>`, each bound to the checker plugin that owns its element name, which
// validates the rest of it; the core adds the common policy (the resource it sets, how often,
// when it is active, what a failure does). Pure, given the catalog: the agent turns the plan
// into running checkers, `haven config check` reports its diagnostics.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/user_config.hpp"
#include "failover_rules/module_rules.hpp"
#include "haven/config_node.hpp"
#include "haven/result.hpp"
#include "plugin_host/checker_catalog.hpp"

namespace haven::checks {

/// How a failure is acted on: through the failover rules (checkers, whose generated or
/// built-in rule reads the resource) or directly (errd, as "Action restart called by errd").
enum class FailurePath { rules, direct };

/// One checker to run.
struct CheckerSpec {
  std::string resource;                 ///< "tcp.web", "proc.nginx", "ip.198.51.100.50"
  std::string plugin;                   ///< "haven.checker.tcp"
  ConfigNode element;                   ///< what the plugin is configured from
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds timeout{5000};
  config::ActiveWhen when = config::ActiveWhen::prim;
  std::string custom_class;             ///< errd class="<custom>": toggled by `haven errd enable`
  FailurePath path = FailurePath::rules;
  config::FailureAction action = config::FailureAction::restart;
  std::string handler;                  ///< errd action="<handler>": the program of the module's bin folder
  std::string rule_prefix;              ///< the generated rule's label prefix ("t_"); empty: none
  std::string resource_class;           ///< "tcp"
  std::string id;                       ///< "web": resource is resource_class.id
  int line = 0;                         ///< in userconfig.xml
};

/// The checkers of a module and what was found while binding them to their plugins.
struct CheckerPlan {
  std::vector<CheckerSpec> checkers;
  /// The plugins' own findings (with their file and line) and the core's: an element no
  /// plugin owns, a missing ident, two checkers with one resource.
  std::vector<config::Diagnostic> diagnostics;

  bool has_errors() const;
  /// The errors, one per line ("\n  FILE:LINE: error: PATH: MESSAGE"), for a refusal.
  std::string errors() const;
  /// The plugins' checkers that get a generated failover rule (their owner's label prefix).
  std::vector<failover::GeneratedRuleSource> rule_sources() const;
};

/// Binds every plugin element of `<check>` and `<errd>` to its owner in `catalog` and asks
/// the owner to validate it. `<custom>` and `<splitbrain>` are the core's own
/// (custom_checker.hpp, split_brain_guard.hpp) and are not planned here.
CheckerPlan plan_checkers(const config::UserConfig& config, const CheckerCatalog& catalog);

}  // namespace haven::checks
