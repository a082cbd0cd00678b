// The addresses a module's `<vip>` puts on this node: every `<virtual_addr>` (a mirror's
// under <real_interface>, a farm's under <virtual_interface>), resolved and placed on its
// interface. Pure given the node's links and addresses and a
// resolver, so it is tested without a network.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "haven/result.hpp"
#include "vip/netlink_addresses.hpp"

namespace haven::vip {

struct PlannedAddress {
  std::size_t interface_index = 0;  ///< in VipConfig::interfaces
  std::size_t addr_index = 0;       ///< in that interface's real_interface, or virtual_interface when `farm`
  bool farm = false;                ///< from <virtual_interface>: the same address on every node of a farm
  std::string written;              ///< the addr attribute as written (literal or host name)
  AddressAssignment assignment;
};

/// Turns an `addr` attribute into an address: a literal as is, a host name through the
/// system's resolver. The error names the name.
using AddressResolver = std::function<Result<IpAddress>(const std::string& addr)>;

/// Literals directly, host names with getaddrinfo (the first answer, IPv4 preferred).
Result<IpAddress> resolve_address(const std::string& addr);

/// The configuration of a planned address.
const config::VirtualAddr& planned_config(const config::VipConfig& vip, const PlannedAddress& planned);

/// Every virtual_addr of `vip` (real_interface's, then virtual_interface's), in document order, with its interface and prefix
/// (choose_interface; IPv4 aliases numbered per interface from 0). The first failure stops
/// the plan, so nothing is added when one address cannot be placed.
[[nodiscard]] Result<std::vector<PlannedAddress>> plan_addresses(const config::VipConfig& vip,
                                                                 const std::vector<LinkInfo>& links,
                                                                 const std::vector<AddressInfo>& present,
                                                                 const AddressResolver& resolve = resolve_address);

}  // namespace haven::vip
