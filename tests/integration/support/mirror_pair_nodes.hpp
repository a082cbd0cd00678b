// Two nodes of one cluster on one machine (node1 at 127.0.0.1, node2 at 127.0.0.2), each
// with its own root and havend, sharing a cluster key, with one mirror module "pair"
// installed on both, whose hooks record their calls.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "haven_test_node.hpp"

namespace haven::test {

struct MirrorPairSettings {
  int heart_port = 0;    ///< <heart port>: give each test its own, ctest runs binaries in parallel
  int cluster_port = 0;  ///< cluster.xml <lans port> (havend's node-to-node port)
  std::string pulse = "100ms";
  std::string timeout = "1s";
  /// The module's <heartbeat name>: its lan of cluster.xml; empty for no <heartbeat> (the
  /// module then heartbeats on every lan of cluster.xml).
  std::string heartbeat_lan = "default";
  std::string service_attributes;  ///< more <service> attributes, e.g. defaultprim="node1"
  std::string service_children;    ///< more <service> children, e.g. an <rfs> element
  bool same_key = true;            ///< false: node2 gets a cluster key of its own
  /// When set, every hook of both nodes also appends "<node> <hook> <args...>" to this one
  /// file: appends from both nodes land in the order they really happened.
  std::filesystem::path shared_record;
  /// Each node's own environment (node1, node2), e.g. PAIR_DATA for <replicated dir="%PAIR_DATA%">.
  std::array<Env, 2> node_env;
  /// The module's id on both nodes (haven module install -M); its replication ports follow.
  std::optional<int> module_id;
};

/// A module state as polled: "PRIM Ready".
struct PolledState {
  std::string state;
  std::string substate;
  bool primary() const { return state == "PRIM" || state == "ALONE"; }
};

class MirrorPairNodes {
 public:
  static constexpr const char* kModule = "pair";

  /// Starts both havend, gives them the cluster key (genkey on node1, copied to node2
  /// unless `same_key` is false) and installs the module on both. Throws on failure.
  explicit MirrorPairNodes(const MirrorPairSettings& settings);

  HavenTestNode& node1() { return node1_; }
  HavenTestNode& node2() { return node2_; }
  /// node1() for 1, node2() for 2.
  HavenTestNode& node(int n) { return n == 1 ? node1_ : node2_; }

  static std::string cluster_xml(int cluster_port);
  static std::string userconfig(const MirrorPairSettings& settings);

  /// `haven CMD -m pair` on a node, waiting for the module to settle (CLI default).
  CommandResult command(int n, const std::string& cmd, const std::vector<std::string>& more = {});
  /// The module's state entry on a node (`haven state -m pair --json`).
  nlohmann::json state(int n) { return node(n).module_state(kModule); }
  /// One poll of the state; state "?" when havend did not answer.
  PolledState poll(int n);
  /// Waits for STATE (and SUBSTATE when not empty); the last state seen.
  nlohmann::json wait_for(int n, const std::string& state, const std::string& substate,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// `start` on node2, `prim` on node1: node1 PRIM and node2 SECOND, both Ready, or throws.
  void pair_up();
  /// The agent's pid of the module on a node (0 when not running).
  int agent_pid(int n);
  /// kill -9 of the node's agent of the module; false when it had none.
  bool kill_agent(int n);

  /// The recording hooks' lines on a node ("start_prim WAIT PRIM start"), then cleared.
  std::vector<std::string> take_hook_record(int n);
  /// The node's module log.
  std::string module_log(int n);

 private:
  HavenTestNode node1_;
  HavenTestNode node2_;
};

}  // namespace haven::test
