#include "agent/lan_endpoints.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

namespace haven {
namespace {

using boost::asio::ip::address;

std::string listed(const std::vector<address>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + a.to_string();
  return out;
}

// One end's addresses: a literal as written, a DNS name as the resolver answers it.
Result<std::vector<address>> addresses_of(const std::string& written, const std::string& node, const std::string& lan,
                                          const LanEndNames& names, const NameResolver& resolve) {
  const bool bracketed = written.size() > 2 && written.front() == '[' && written.back() == ']';
  const std::string bare = bracketed ? written.substr(1, written.size() - 2) : written;
  boost::system::error_code ec;
  const auto literal = boost::asio::ip::make_address(bare, ec);
  if (!ec) return std::vector<address>{literal};
  if (bracketed)
    return fail(Errc::invalid_argument, "node " + node + "'s address \"" + written + "\" on lan \"" + lan + "\" in " +
                                            names.cluster_file + " is not an IPv6 address; expected e.g. [2001:db8::1]");
  auto resolved = resolve(bare);
  if (!resolved.ok())
    return fail(Errc::not_found, "node " + node + "'s address \"" + written + "\" on lan \"" + lan + "\" in " +
                                     names.cluster_file + " does not resolve: " + resolved.error().message +
                                     "; fix the name in DNS or /etc/hosts on this node, or write an IP address in "
                                     "cluster.xml");
  if (resolved->empty())
    return fail(Errc::not_found, "node " + node + "'s address \"" + written + "\" on lan \"" + lan + "\" in " +
                                     names.cluster_file + " resolves to no address; fix the name in DNS or /etc/hosts "
                                     "on this node, or write an IP address in cluster.xml");
  return std::move(*resolved);
}

}  // namespace

Result<std::vector<address>> resolve_with_system(const std::string& name) {
  boost::asio::io_context io;
  boost::asio::ip::udp::resolver resolver(io);
  boost::system::error_code ec;
  // Not Asio's default address_configured: it answers nothing on a machine (or test
  // namespace) whose only addresses are loopback ones.
  auto results = resolver.resolve(name, "0", boost::asio::ip::udp::resolver::numeric_service, ec);
  if (ec) return fail(Errc::not_found, ec.message());
  std::vector<address> out;
  for (const auto& entry : results) {
    const auto a = entry.endpoint().address();
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

Result<PeerLinkLan> resolve_lan_ends(const HeartbeatLanEnds& ends, std::uint16_t port, const LanEndNames& names,
                                     const NameResolver& resolve) {
  auto local = addresses_of(ends.local_addr, names.local_node, ends.lan, names, resolve);
  if (!local.ok()) return std::move(local).error();
  auto peer = addresses_of(ends.peer_addr, names.peer_node, ends.lan, names, resolve);
  if (!peer.ok()) return std::move(peer).error();
  // A socket bound to one family cannot send to the other: take the first family both have.
  for (const bool v4 : {true, false}) {
    auto of_family = [v4](const address& a) { return a.is_v4() == v4; };
    auto l = std::find_if(local->begin(), local->end(), of_family);
    auto p = std::find_if(peer->begin(), peer->end(), of_family);
    if (l != local->end() && p != peer->end())
      return PeerLinkLan{ends.lan, HeartbeatSocket::Endpoint(*l, port), HeartbeatSocket::Endpoint(*p, port)};
  }
  return fail(Errc::invalid_argument, "on lan \"" + ends.lan + "\" in " + names.cluster_file + ", node " +
                                          names.local_node + "'s address \"" + ends.local_addr + "\" is " +
                                          listed(*local) + " and node " + names.peer_node + "'s \"" + ends.peer_addr +
                                          "\" is " + listed(*peer) + ": heartbeats need both ends in one family "
                                          "(IPv4 or IPv6); write addresses of one family on that lan");
}

}  // namespace haven
