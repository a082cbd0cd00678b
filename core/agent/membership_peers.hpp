// Which nodes a farm module's pulses go to: every other node with an address on the farm's
// lans (<farm><lan name="..."/></farm>, or every lan of cluster.xml when none is named, as a
// mirror does with an empty <heart>). Pure: reads cluster.xml's model, resolves nothing
// (membership_lans.hpp turns the addresses into endpoints).
#pragma once

#include <string>
#include <vector>

#include "config/cluster_config.hpp"
#include "haven/result.hpp"

namespace haven {

/// One other node on a farm lan and its address there as cluster.xml writes it (IPv4,
/// [IPv6] or a DNS name).
struct MembershipPeerAddress {
  std::string node;
  std::string addr;
};

/// One farm lan: this node's address there and every other node's, in cluster.xml's order.
struct MembershipLanEnds {
  std::string lan;
  std::string local_addr;
  std::vector<MembershipPeerAddress> peers;
};

/// The farm's lans that hold this node, in the farm's order (cluster.xml's order without
/// <lan> entries), and the other members: every node on at least one of them, in
/// cluster.xml's order of nodes. A node on none of the lans is not a member.
struct MembershipPeers {
  std::vector<MembershipLanEnds> lans;
  std::vector<std::string> nodes;
};

/// The farm module's lans and peers. `farm_lans`: the <farm><lan name> entries; when empty,
/// every lan of `cluster`, and a lan that does not hold `local_node` is left out (it belongs
/// to other nodes, e.g. a mirror pair's own lan). Errors (invalid_argument), each naming the
/// module, the lan(s), `cluster_file` and the fix: a named lan that cluster.xml does not
/// define; `local_node` on none of the lans; `local_node` without an address on a named lan.
/// No other node on the lans is not an error: the farm then runs on this node alone.
[[nodiscard]] Result<MembershipPeers> choose_membership_peers(const config::ClusterConfig& cluster,
                                                              const std::vector<std::string>& farm_lans,
                                                              const std::string& local_node,
                                                              const std::string& module,
                                                              const std::string& cluster_file);

}  // namespace haven
