#include "control/command_registry.hpp"

namespace haven {

const std::vector<CommandSpec>& command_registry() {
  // name, summary, module, remote, starts_agent, behaviour, waits_for_peer, stops, takes_fullsync
  static const std::vector<CommandSpec> table{
      {"start", "Start a module on this node (it becomes primary only if its data is up to date)", true, true, true,
       Command::start, true, false, false},
      {"stop", "Stop a module on this node: stop hooks gracefully, then forced, then poststop", true, true, false,
       Command::stop, false, true, false},
      {"forcestop", "Stop a module at once: only the forced stop hooks", true, true, false, Command::forcestop, false,
       true, false},
      {"prim", "Start a module as primary: declares this node's data the good copy", true, true, true, Command::prim,
       true, false, true},
      {"primforce", "Make this node primary even if its data is not known to be up to date", true, true, true,
       Command::primforce, true, false, false},
      {"second", "Start a module as secondary (needs its peer)", true, true, true, Command::second, true, false, true},
      {"restart", "Re-run the application hooks (stop_prim, start_prim) without changing state", true, true, false,
       Command::restart, false, false, false},
      {"stopstart", "Stop then start a module (a primary hands over to its peer)", true, true, false,
       Command::stopstart, true, false, false},
      {"swap", "Exchange the primary and secondary roles (needs the peer)", true, true, false, Command::swap, false,
       false, false},
      {"failover", "Allow (on) or forbid (off) the secondary to take over by itself when the primary is lost", true, true, false, std::nullopt,
       false, false, false},
      {"boot", "Start at boot: on|off -m M (the administrator's choice, for <service boot=\"ignore\">), status [-m M] (what havend does at the next node boot)",
       false, true, false, std::nullopt, false, false, false},
      {"cluster-push", "Give the nodes of -H this node's cluster.xml, over the channel authenticated with the cluster key (haven -H \"*\" -G)",
       false, true, false, std::nullopt, false, false, false},
      {"module-export", "Install this node's module on the nodes of -H with the same id, and configure it there (haven -H \"*\" -E MODULE)",
       true, true, false, std::nullopt, false, false, false},
      {"config", "Apply an installed module's configuration (config -m M: check, config hook, record, lastconfig, postconfig), or check one (config check)",
       false, true, false, std::nullopt, false, false, false},
      {"confinfo", "A module's active (applied) and current (conf/userconfig.xml) configuration signatures, and whether they differ",
       true, true, false, std::nullopt, false, false, false},
      {"update", "Apply to a running module (ALONE(Ready) or WAIT(NotReady)) a changed configuration, when the seed allows those changes while it runs; runs the update hook",
       true, true, false, std::nullopt, false, false, false},
      {"deconfig", "Run a stopped module's deconfig hook and forget its applied configuration", true, true, false, std::nullopt,
       false, false, false},
      {"state", "Show the state of modules on this node", false, true, false, std::nullopt, false, false, false},
      {"waitstart", "Wait until a module runs (ALONE, PRIM, SECOND or UP, Ready)", true, true, false, std::nullopt,
       false, false, false},
      {"waitstop", "Wait until a module is STOP", true, true, false, std::nullopt, false, false, false},
      {"waitstate", "Wait until a module reaches a state", true, true, false, std::nullopt, false, false, false},
      {"get", "Show a running module's resources (heartbeat.*, rfs.uptodate, custom.*, ...)", true, true, false, std::nullopt, false, false, false},
      {"set", "Set a resource of a running module (custom checkers: set -r custom.x -v down)", true, true, false, std::nullopt, false, false,
       false},
      {"checker", "Stop (off) or restart (on) every <check> checker of a running module (kept across restarts of the module)", true, true, false, std::nullopt, false, false, false},
      {"errd", "Process monitoring of a running module: off|on (every <proc>), enable|disable CLASS (a custom class), list", true, true, false, std::nullopt, false, false, false},
      {"rfsdiff", "What a full reintegration would send to the secondary now, per replicated directory (files, bytes); typed on the secondary, it runs on the primary; changes nothing", true, true,
       false, std::nullopt, false, false, false},
      {"rfsverify", "Compare every replicated file of the primary with the secondary's copy (both trees hashed); typed on the secondary, it runs on the primary; exit 1 when a path differs", true, true, false,
       std::nullopt, false, false, false},
  };
  return table;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& spec : command_registry())
    if (spec.name == name) return &spec;
  return nullptr;
}

std::string remote_command_list() {
  std::string list;
  for (const auto& spec : command_registry())
    if (spec.remote) list += (list.empty() ? "" : ", ") + std::string(spec.name);
  return list;
}

}  // namespace haven
