#include "vip/address_announcer.hpp"

#include "haven/unique_fd.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace haven::vip {
namespace {

constexpr std::uint8_t kNeighbourAdvertisement = 136;
constexpr std::uint8_t kOverrideFlag = 0x20;
constexpr std::uint8_t kTargetLinkLayerOption = 2;
constexpr int kNeighbourDiscoveryHopLimit = 255;  // receivers drop ND messages with any other


Error announce_error(const AnnounceTarget& t, const std::string& step, int err) {
  return fail(Errc::io_error, "cannot announce " + t.address.to_string() + " on " + t.interface + " (" + step +
                                  "): " + std::strerror(err) +
                                  (err == ENETDOWN ? "; the interface is down" : "") +
                                  (err == EPERM ? "; haven needs CAP_NET_RAW" : ""));
}

Status announce_v4(const AnnounceTarget& t) {
  UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP)));
  if (fd.get() < 0) return announce_error(t, "AF_PACKET socket", errno);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = t.if_index;
  to.sll_halen = ETH_ALEN;
  std::memset(to.sll_addr, 0xFF, ETH_ALEN);
  for (auto op : {ArpOperation::request, ArpOperation::reply}) {
    const auto frame = gratuitous_arp(t.mac, t.address.to_v4(), op);
    if (::sendto(fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0)
      return announce_error(t, op == ArpOperation::request ? "gratuitous ARP request" : "gratuitous ARP reply", errno);
  }
  return ok_status();
}

Status announce_v6(const AnnounceTarget& t) {
  UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (fd.get() < 0) return announce_error(t, "raw ICMPv6 socket", errno);
  const int hops = kNeighbourDiscoveryHopLimit;
  const unsigned index = static_cast<unsigned>(t.if_index);
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index)) < 0)
    return announce_error(t, "setting hop limit 255 and the interface", errno);
  // From the VIP itself (added with NODAD, so usable at once): a neighbour learns the
  // binding from the target option either way, but some only trust a sender on the link.
  sockaddr_in6 from{};
  from.sin6_family = AF_INET6;
  const auto vip = t.address.to_v6().to_bytes();
  std::memcpy(&from.sin6_addr, vip.data(), vip.size());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof(from)) < 0)
    return announce_error(t, "binding to the virtual address", errno);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  ::inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
  to.sin6_scope_id = index;
  const auto message = unsolicited_neighbour_advertisement(t.mac, t.address.to_v6());
  if (::sendto(fd.get(), message.data(), message.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0)
    return announce_error(t, "unsolicited neighbour advertisement to ff02::1", errno);
  return ok_status();
}

}  // namespace

std::array<std::uint8_t, 28> gratuitous_arp(const MacAddress& mac, const boost::asio::ip::address_v4& address,
                                            ArpOperation operation) {
  std::array<std::uint8_t, 28> p{};
  const auto ip = address.to_bytes();
  const auto op = static_cast<std::uint16_t>(operation);
  p[0] = 0x00, p[1] = 0x01;                    // hardware type: Ethernet
  p[2] = 0x08, p[3] = 0x00;                    // protocol type: IPv4
  p[4] = 6, p[5] = 4;                          // hardware and protocol address sizes
  p[6] = static_cast<std::uint8_t>(op >> 8), p[7] = static_cast<std::uint8_t>(op & 0xFF);
  std::copy(mac.begin(), mac.end(), p.begin() + 8);     // sender hardware address
  std::copy(ip.begin(), ip.end(), p.begin() + 14);      // sender protocol address
  if (operation == ArpOperation::reply) std::copy(mac.begin(), mac.end(), p.begin() + 18);
  std::copy(ip.begin(), ip.end(), p.begin() + 24);      // target protocol address
  return p;
}

std::array<std::uint8_t, 32> unsolicited_neighbour_advertisement(const MacAddress& mac,
                                                                 const boost::asio::ip::address_v6& address) {
  std::array<std::uint8_t, 32> m{};
  const auto target = address.to_bytes();
  m[0] = kNeighbourAdvertisement;
  m[4] = kOverrideFlag;
  std::copy(target.begin(), target.end(), m.begin() + 8);
  m[24] = kTargetLinkLayerOption;
  m[25] = 1;  // option length in units of 8 bytes
  std::copy(mac.begin(), mac.end(), m.begin() + 26);
  return m;
}

Status announce(const AnnounceTarget& target) {
  return target.address.is_v4() ? announce_v4(target) : announce_v6(target);
}

}  // namespace haven::vip
