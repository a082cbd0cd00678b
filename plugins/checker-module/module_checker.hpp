// haven.checker.module: up while another module is PRIM, ALONE, SECOND or UP and Ready,
// on this node or on another node of cluster.xml.
//   <module name="db"><to addr="127.0.0.1"/></module>          (this node)
//   <module name="db" ident="db2"><to addr="198.51.100.2"/></module>  (node2, through havend)
// Its resource is module.<name>_<addr> (or module.<ident>); the built-in rule module_failure
// waits while it is down. It also says which run of the module answered (RunAwareChecker),
// so that the host stopstarts the local module when the watched one restarts.
#pragma once

#include <memory>
#include <string>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>
#include <haven/module_status.hpp>

namespace haven::checker_module {

/// Where the watched module runs.
/// What haven.checker.module owns: `<check><module>`, resources module.<name>_<addr> (or
/// module.<ident>), no generated rule (the built-in module_failure waits), when="pre",
/// action="wait".
const CheckerSchema& module_schema();

/// Validates a `<module name><to addr [port] [secure]/></module>` element.
CheckerConfiguration configure_module(const ConfigNode& element);

struct ModuleTarget {
  std::string module;  ///< <module name>
  std::string addr;    ///< <to addr>: a node's address in cluster.xml, or loopback for this node
};

/// The target of a `<module>` element. Errors name the file, line and what was expected.
Result<ModuleTarget> parse_module_target(const ConfigNode& element);

/// True for the states in which a watched module counts as up.
bool module_is_up(const std::string& state, const std::string& substate);

/// Which run of a module a report shows: its agent's pid and what else changes when the
/// module stops and starts ("agent 4242, generation 7[, start 3]"), or "not running" in STOP
/// and WAIT. The same text at two probes means the module stayed up in between, through its
/// ALONE<->PRIM transitions too.
std::string module_run(const ModuleStatusReport& report);

/// Asks the host for the module's state (HostContext::module_status: this node's havend,
/// which relays to the module's node when it is another): the plugin links nothing of haven's
/// core.
class ModuleChecker final : public RunAwareChecker {
 public:
  /// `host` outlives the checker (the host keeps a plugin's context as long as its objects).
  ModuleChecker(ModuleTarget target, HostContext& host) : target_(std::move(target)), host_(host) {}
  static Result<std::unique_ptr<ModuleChecker>> from_host(HostContext& host);

  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;
  /// The same, with the run of the module that answered (none when nothing answered).
  Result<RunCheckResult> probe_run(std::chrono::milliseconds timeout) noexcept override;

 private:
  ModuleTarget target_;
  HostContext& host_;
};

}  // namespace haven::checker_module
