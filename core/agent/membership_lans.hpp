// The farm lans of a MembershipLinkConfig: the addresses choose_membership_peers found in
// cluster.xml, resolved as a mirror's heartbeat lans are (resolve_lan_ends, once per pair of
// this node and a peer), with the farm port.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/lan_endpoints.hpp"
#include "agent/membership_link.hpp"
#include "agent/membership_peers.hpp"
#include "haven/result.hpp"

namespace haven {

/// One MembershipLan per lan of `peers` that holds another node (a lan with only this node
/// needs no socket), every endpoint on `port`. Errors are resolve_lan_ends' (a name that does
/// not resolve, two ends with no family in common), naming the node, the lan and
/// `cluster_file`; and invalid_argument when this node's name resolves to different
/// addresses for different peers of one lan (one socket per lan binds one address).
[[nodiscard]] Result<std::vector<MembershipLan>> resolve_membership_lans(
    const MembershipPeers& peers, std::uint16_t port, const std::string& local_node, const std::string& cluster_file,
    const NameResolver& resolve = resolve_with_system);

}  // namespace haven
