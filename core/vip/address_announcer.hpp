// Telling the link that a virtual address now lives here: gratuitous ARP for IPv4, unsolicited
// neighbour advertisement for IPv6, so switches and neighbours stop sending to the old owner.
//
// At takeover the agent sends a burst of kTakeoverAnnouncements rounds kTakeoverSpacing apart
// (the first at once, when the address is added): one lost frame or a neighbour still busy
// with the old owner does not leave clients talking to a dead node for an ARP cache lifetime.
// Each IPv4 round is an ARP request and an ARP reply (devices differ in which one updates
// their cache); each IPv6 round is one advertisement with the override flag.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "vip/ip_prefix.hpp"
#include "vip/netlink_addresses.hpp"

namespace haven::vip {

/// Rounds sent at takeover, the first at once.
constexpr int kTakeoverAnnouncements = 5;
/// Time between two rounds of the takeover burst: 5 rounds cover the first second.
constexpr std::chrono::milliseconds kTakeoverSpacing{250};

enum class ArpOperation : std::uint16_t { request = 1, reply = 2 };

/// The 28-byte ARP payload announcing `address` at `mac`: sender and target protocol
/// address are both the VIP; the target hardware address is zero for a request and `mac`
/// for a reply (RFC 5227 §3, RFC 5944 §4.6). Sent to the Ethernet broadcast address.
std::array<std::uint8_t, 28> gratuitous_arp(const MacAddress& mac, const boost::asio::ip::address_v4& address,
                                            ArpOperation operation);

/// The 32-byte ICMPv6 neighbour advertisement for `address` at `mac` (RFC 4861 §4.4, §7.2.6):
/// type 136, override flag set, solicited and router flags clear, target link-layer address
/// option. Its checksum is left zero: the kernel fills it on a raw ICMPv6 socket.
std::array<std::uint8_t, 32> unsolicited_neighbour_advertisement(const MacAddress& mac,
                                                                 const boost::asio::ip::address_v6& address);

/// What one announcement needs: the interface (index, name, MAC) and the address.
struct AnnounceTarget {
  int if_index = 0;
  std::string interface;
  MacAddress mac{};
  IpAddress address;
};

/// Sends one round for `target` in the calling thread's network namespace: IPv4 through an
/// AF_PACKET socket to ff:ff:ff:ff:ff:ff; IPv6 from the VIP to ff02::1 with hop limit 255.
/// The error names the interface, the address and the errno text.
[[nodiscard]] Status announce(const AnnounceTarget& target);

}  // namespace haven::vip
