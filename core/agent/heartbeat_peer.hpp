// Which node a module's heartbeats go to: the one other node present on the module's
// heartbeat lans. A cluster of N nodes runs a two-node module on one pair of them by giving
// that pair a lan of its own and naming it in <heart><heartbeat name="..."/> (the seed
// product's N-1 and farm+mirror layouts). Pure: reads cluster.xml's model, resolves nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/cluster_config.hpp"
#include "haven/result.hpp"

namespace haven {

/// One heartbeat lan as cluster.xml writes it: this node's and the peer's address there
/// (IPv4, [IPv6] or a DNS name, not yet resolved).
struct HeartbeatLanEnds {
  std::string lan;
  std::string local_addr;
  std::string peer_addr;
};

/// The peer node and both ends of every heartbeat lan, in the module's order of lans.
struct HeartbeatPeer {
  std::string node;
  std::vector<HeartbeatLanEnds> lans;
};

/// The module's peer on its heartbeat lans: `heartbeat_lans` (its <heartbeat name> entries)
/// or, when empty, every lan of `cluster`. nullopt when this node is alone there (a
/// one-node cluster, or a lan holding only this node). Errors (invalid_argument), each
/// naming the module, the lans, `cluster_file` and the fix: a lan that cluster.xml does not
/// define; `local_node` on none of the lans; more than one other node there (a lan per
/// pair is the fix); this node or the peer without an address on one of the lans.
[[nodiscard]] Result<std::optional<HeartbeatPeer>> choose_heartbeat_peer(const config::ClusterConfig& cluster,
                                                                         const std::vector<std::string>& heartbeat_lans,
                                                                         const std::string& local_node,
                                                                         const std::string& module,
                                                                         const std::string& cluster_file);

}  // namespace haven
