// Three nodes of one cluster on one machine (node1-3 at 127.0.0.1-3), each with its own
// root and havend, sharing a cluster key. cluster.xml has the lan "default" with every node
// and one lan per neighbouring pair ("node1-node2", "node2-node3"), as an N-1 layout does.
// node1 is written by name, "localhost" (the system's resolver answers 127.0.0.1 from
// /etc/hosts), so its module resolves a DNS name end to end.
#pragma once

#include <array>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "haven_test_node.hpp"
#include "mirror_pair_nodes.hpp"

namespace haven::test {

class ThreeNodeCluster {
 public:
  /// Starts the three havend on node-to-node port `cluster_port` and gives them one
  /// cluster key (genkey on node1, copied). Throws on failure.
  explicit ThreeNodeCluster(int cluster_port);

  static std::string cluster_xml(int cluster_port);

  /// node1..node3.
  HavenTestNode& node(int n) { return *nodes_.at(static_cast<std::size_t>(n - 1)); }

  /// Installs mirror module `module` (userconfig from `settings`, recording hooks) with id
  /// `id` on each of `nodes`. Throws on failure.
  void install(const std::string& module, int id, const MirrorPairSettings& settings, std::initializer_list<int> nodes);

  /// `haven CMD -m MODULE` on node n, waiting for the module to settle (CLI default).
  CommandResult command(int n, const std::string& cmd, const std::string& module);
  /// One poll of the module's state on node n; state "?" when havend did not answer.
  PolledState poll(int n, const std::string& module);
  /// The module's state entry on node n (`haven state -m MODULE --json`).
  nlohmann::json state(int n, const std::string& module) { return node(n).module_state(module); }
  /// The recording hooks' lines of the module on node n, then cleared.
  std::vector<std::string> take_hook_record(int n, const std::string& module);

 private:
  std::array<std::unique_ptr<HavenTestNode>, 3> nodes_;
};

}  // namespace haven::test
