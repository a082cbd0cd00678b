// haven.checker.module: up while another module is PRIM, ALONE, SECOND or UP and Ready,
// on this node or on another node of cluster.xml.
//   <module name="db"><to addr="127.0.0.1"/></module>          (this node)
//   <module name="db" ident="db2"><to addr="198.51.100.2"/></module>  (node2, through havend)
// Its resource is module.<name>_<addr> (or module.<ident>); the built-in rule module_failure
// waits while it is down. It also says which run of the module answered (RunAwareChecker),
// so that the host stopstarts the local module when the watched one restarts.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>
#include <nlohmann/json.hpp>

namespace haven::checker_module {

/// Where the watched module runs.
struct ModuleTarget {
  std::string module;  ///< <module name>
  std::string addr;    ///< <to addr>: a node's address in cluster.xml, or loopback for this node
};

/// The target of a `<module>` element. Errors name the file, line and what was expected.
Result<ModuleTarget> parse_module_target(const ConfigNode& element);

/// True for the states in which a watched module counts as up.
bool module_is_up(const std::string& state, const std::string& substate);

/// Which run of a module a `haven state` entry shows: its agent's pid and what else changes
/// when the module stops and starts ("agent 4242, generation 7[, start 3]"), or "not running"
/// in STOP and WAIT. The same text at two probes means the module stayed up in between,
/// through its ALONE<->PRIM transitions too.
std::string module_run(const nlohmann::json& entry);

class ModuleChecker final : public RunAwareChecker {
 public:
  /// `daemon_socket` is this node's havend; `cluster_xml` maps addr to the node havend
  /// relays the question to (itself included); a loopback addr that is no node's is this node.
  ModuleChecker(ModuleTarget target, std::filesystem::path daemon_socket, std::filesystem::path cluster_xml,
                std::map<std::string, std::string> env)
      : target_(std::move(target)), daemon_socket_(std::move(daemon_socket)), cluster_xml_(std::move(cluster_xml)),
        env_(std::move(env)) {}
  static Result<std::unique_ptr<ModuleChecker>> from_host(HostContext& host);

  /// Asks havend for the module's state (relayed to its node when remote).
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;
  /// The same, with the run of the module that answered (none when nothing answered).
  Result<RunCheckResult> probe_run(std::chrono::milliseconds timeout) noexcept override;

 private:
  Result<std::string> node_of(const std::string& addr) const;

  ModuleTarget target_;
  std::filesystem::path daemon_socket_;
  std::filesystem::path cluster_xml_;
  std::map<std::string, std::string> env_;
};

}  // namespace haven::checker_module
