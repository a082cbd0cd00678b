#include "agent/membership_lans.hpp"

#include <sstream>

namespace haven {
namespace {

std::string to_text(const HeartbeatSocket::Endpoint& e) {
  std::ostringstream out;
  out << e.address();
  return out.str();
}

}  // namespace

Result<std::vector<MembershipLan>> resolve_membership_lans(const MembershipPeers& peers, std::uint16_t port,
                                                           const std::string& local_node,
                                                           const std::string& cluster_file,
                                                           const NameResolver& resolve) {
  std::vector<MembershipLan> out;
  for (const auto& lan : peers.lans) {
    if (lan.peers.empty()) continue;
    MembershipLan resolved;
    resolved.name = lan.lan;
    std::string first_peer;
    for (const auto& peer : lan.peers) {
      const HeartbeatLanEnds ends{lan.lan, lan.local_addr, peer.addr};
      auto pair = resolve_lan_ends(ends, port, LanEndNames{local_node, peer.node, cluster_file}, resolve);
      if (!pair.ok()) return std::move(pair).error();
      if (first_peer.empty()) {
        first_peer = peer.node;
        resolved.local = pair->local;
      } else if (pair->local != resolved.local) {
        return fail(Errc::invalid_argument,
                    "on lan \"" + lan.lan + "\" in " + cluster_file + ", node " + local_node + "'s address \"" +
                        lan.local_addr + "\" is " + to_text(resolved.local) + " to reach " + first_peer + " but " +
                        to_text(pair->local) + " to reach " + peer.node +
                        " (their addresses are of different families): the farm binds one address per lan; write "
                        "addresses of one family on that lan");
      }
      resolved.peers.emplace_back(peer.node, pair->peer);
    }
    out.push_back(std::move(resolved));
  }
  return out;
}

}  // namespace haven
