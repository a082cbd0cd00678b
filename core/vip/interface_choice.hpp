// Where a virtual address goes: which interface, which prefix length, which alias label.
// Pure: it reads the node's addresses as given, so it is tested without a network.
#pragma once

#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "haven/result.hpp"
#include "vip/ip_prefix.hpp"
#include "vip/netlink_addresses.hpp"

namespace haven::vip {

/// The longest label Linux keeps for an IPv4 address (IFNAMSIZ - 1).
constexpr std::size_t kMaxLabelLength = 15;

/// Chooses the interface and prefix for `vip` (already resolved from `addr.addr`):
/// - with `<interface name="X">`: interface X (not_found when it has no link in `links`);
///   the prefix of X's own address whose subnet holds the VIP, else the host prefix (/32, /128);
/// - without: the interface whose real address's subnet holds the VIP, skipping loopback
///   and the VIP itself when already there; the most specific subnet wins, as in routing
///   (then the first, by the order of `present`);
/// - `netmask` on the `<virtual_addr>` replaces the prefix length in both cases.
/// `where` one_side_alias (and alias) labels an IPv4 address "<interface>:<alias_index>" when
/// that fits in kMaxLabelLength; one_side adds it without a label.
/// The error when nothing fits lists every interface with its addresses.
[[nodiscard]] Result<AddressAssignment> choose_interface(const IpAddress& vip, const config::VipInterface& interface,
                                                         const config::VirtualAddr& addr,
                                                         const std::vector<LinkInfo>& links,
                                                         const std::vector<AddressInfo>& present, int alias_index);

/// "eth0 198.51.100.1/24, eth0 2001:db8::1/64, eth1 (no address)" — for error messages.
std::string describe_interfaces(const std::vector<LinkInfo>& links, const std::vector<AddressInfo>& present);

}  // namespace haven::vip
