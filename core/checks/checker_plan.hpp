// Which checkers a module runs, read from its configuration: every `<check>` child, every
// `<errd><proc>`, each with the plugin that probes it, the resource it sets, how often, when
// it is active and what a failure does. Pure: the agent turns the plan into running checkers.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "haven/config_node.hpp"
#include "haven/result.hpp"

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
  config::FailureAction action = config::FailureAction::restart;  ///< for the direct path
  int line = 0;                         ///< in userconfig.xml
};

/// The plan for a module. `<custom>` checkers are long-running programs, not probes
/// (custom_checker.hpp); `<splitbrain>` acts when the heartbeats are lost (split_brain_guard.hpp).
/// An error names userconfig.xml's element that cannot be planned (no plugin for its kind).
Result<std::vector<CheckerSpec>> plan_checkers(const config::UserConfig& config);

}  // namespace haven::checks
