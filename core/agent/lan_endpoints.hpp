// The heartbeat endpoints of one lan: both nodes' addresses as cluster.xml writes them
// (IPv4, [IPv6] or a DNS name) turned into IP addresses of one family, with the module's
// heartbeat port. Names are resolved once, when the module's setup is built.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/heartbeat_peer.hpp"
#include "agent/peer_link.hpp"
#include "haven/result.hpp"

namespace haven {

/// Turns a DNS name into its addresses; the error's message is what the resolver said.
using NameResolver = std::function<Result<std::vector<boost::asio::ip::address>>(const std::string& name)>;

/// Boost.Asio's resolver (getaddrinfo, blocking): every IPv4 and IPv6 answer, in its order.
Result<std::vector<boost::asio::ip::address>> resolve_with_system(const std::string& name);

/// Who is at each end of a lan, for the error messages.
struct LanEndNames {
  std::string local_node;
  std::string peer_node;
  std::string cluster_file;
};

/// Both ends of `ends` as endpoints on `port`: a literal as written ("[...]" unwrapped), a
/// DNS name through `resolve`. When a name has several answers, the first family both ends
/// share is used, IPv4 before IPv6. Errors (not_found, invalid_argument) name the node, the
/// lan, the name and what the resolver said, or both ends when they share no family.
[[nodiscard]] Result<PeerLinkLan> resolve_lan_ends(const HeartbeatLanEnds& ends, std::uint16_t port,
                                                   const LanEndNames& names,
                                                   const NameResolver& resolve = resolve_with_system);

}  // namespace haven
