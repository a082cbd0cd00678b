// Two haven nodes and a client on a cluster of network namespaces: each node host runs its
// own havend (own --root under /tmp) inside its namespace, both share a cluster key and have
// the web module installed (web_module.hpp): a VIP on lan1 and a web server on the primary.
//
//   node1 198.51.100.1 (lan2 .129)   node2 198.51.100.2 (lan2 .130)   client1 198.51.100.101
//   VIP 198.51.100.50 (lan1 spare 0); with a witness, client2 (198.51.100.102) is the host
//   a <splitbrain> checker pings.
//
// Everything (namespaces, processes inside them, roots) is removed by the destructor, also
// after a failed assertion; SIGINT/SIGTERM go through the harness's interrupt clean-up.
#pragma once

#include <chrono>
#include <filesystem>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "haven/result.hpp"
#include "netns_cluster.hpp"
#include "test_module.hpp"
#include "vip_poller.hpp"
#include "web_module.hpp"

namespace haven::netns_failover {

/// Written in WebModuleSettings::service_children, replaced by the witness's address.
inline constexpr const char* kWitnessMark = "%WITNESS%";

/// A module installed instead of the web module (its own userconfig.xml and hooks).
struct PairModule {
  std::string name;
  test::ModuleSource source;
};

inline constexpr int kMaxNodes = 4;

struct PairSpec {
  std::string name = "fo";          ///< cluster name, [a-z0-9]{1,16}
  std::filesystem::path build_dir;  ///< where bin/havend, bin/haven and the plugins are
  int lans = 2;
  int nodes = 2;                    ///< node hosts, 2..kMaxNodes: a farm runs on three or more
  /// The nodes cluster.xml lists on lan2 (node1..nodeK); 0: all. A mirror module of a larger
  /// cluster runs on a pair's own lan (the seed's farm+mirror layout).
  int lan2_nodes = 0;
  bool witness = false;             ///< a second client host, client2, for <splitbrain>
  WebModuleSettings module;         ///< vip is filled in (lan1 spare 0) when empty; %WITNESS% too
  std::optional<PairModule> custom_module;  ///< installed instead of the web module
  /// Added to node n's havend environment (node_env[n - 1]): macros of its userconfig.xml.
  std::array<std::map<std::string, std::string>, 4> node_env;
};

/// A module state as `haven state --json` shows it; state "?" when havend did not answer.
struct NodeState {
  std::string state;
  std::string substate;
  nlohmann::json raw;
  bool primary() const { return state == "PRIM" || state == "ALONE"; }
  std::string describe() const { return state + " " + substate; }
};

class FailoverPair {
 public:
  /// Builds the cluster, starts every node's havend, shares the key and installs the module on
  /// every node.
  /// The error names the step and carries what the program printed.
  [[nodiscard]] static Result<std::unique_ptr<FailoverPair>> create(const PairSpec& spec);
  ~FailoverPair();
  FailoverPair(const FailoverPair&) = delete;
  FailoverPair& operator=(const FailoverPair&) = delete;

  cluster::NetnsCluster& cluster() { return cluster_; }
  const std::string& vip() const { return spec_.module.vip; }
  /// "node1" / "node2".
  static std::string node_name(int n) { return "node" + std::to_string(n); }
  /// The ip netns name of a host ("client1", "node2", ...).
  std::string netns(const std::string& host) const;
  /// The witness host's lan1 address (client2), empty without a witness.
  std::string witness_address() const;

  /// The module's name: the custom module's, else "web".
  std::string module_name() const;
  /// Node n's havend root (under /tmp; its files are visible from the test's namespace).
  const std::filesystem::path& root(int n) const { return roots_[static_cast<std::size_t>(n - 1)]; }
  /// How many node hosts there are.
  int nodes() const { return spec_.nodes; }
  /// Starts node n's havend again (after kill_node), waiting until it answers.
  [[nodiscard]] Status restart_node(int n);

  /// `haven --root R ARGS...` run inside node n's namespace.
  cluster::CommandOutput haven(int n, const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// One poll of `haven state -m web --json` on node n.
  NodeState state(int n);
  /// Polls every 100 ms until node n is in `state` (and `substate` unless empty); the last seen.
  NodeState wait_for(int n, const std::string& state, const std::string& substate, std::chrono::milliseconds timeout);
  /// `start` on node2, `prim` on node1, then waits for node1 PRIM Ready, node2 SECOND Ready.
  [[nodiscard]] Status pair_up(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// The node's death as the tests define it: kill -9 of every process in its namespace
  /// (havend, agent, hooks, the web server), repeated until none is left (bounded). Returns
  /// when the first SIGKILL went out.
  [[nodiscard]] Result<Clock::time_point> kill_node(int n);
  /// Whether node n holds the VIP on one of its interfaces (`ip -j addr` there).
  Result<bool> holds_vip(int n);

  /// The last `lines` lines of node n's module log and havend's output, for failure messages.
  std::string describe_node(int n, std::size_t lines = 40) const;
  /// The module log of node n, whole.
  std::string module_log(int n) const;
  /// The recording hooks' lines of node n ("start_prim SECOND ALONE start").
  std::vector<std::string> hook_record(int n) const;

 private:
  FailoverPair(PairSpec spec, cluster::NetnsCluster cluster);
  Status start_node(int n);
  Status share_key_and_install();
  std::filesystem::path program(const std::string& name) const { return spec_.build_dir / "bin" / name; }

  PairSpec spec_;
  cluster::NetnsCluster cluster_;
  std::vector<std::filesystem::path> roots_;  ///< roots_[n - 1]
  std::vector<cluster::HostProcess> havend_;
};

/// cluster.xml of the pair: lan "default" with the nodes' lan1 addresses, and with two lans
/// "lan2" with their lan2 addresses (only node1..node`lan2_nodes` when not 0).
std::string pair_cluster_xml(const cluster::Layout& layout, int lans, int lan2_nodes = 0);

}  // namespace haven::netns_failover
