// The addresses a module's `<vip>` puts on this node: every mirror `<virtual_addr>`,
// resolved and placed on its interface. Pure given the node's links and addresses and a
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
  std::size_t addr_index = 0;       ///< in that interface's real_interface
  std::string written;              ///< the addr attribute as written (literal or host name)
  AddressAssignment assignment;
};

/// Turns an `addr` attribute into an address: a literal as is, a host name through the
/// system's resolver. The error names the name.
using AddressResolver = std::function<Result<IpAddress>(const std::string& addr)>;

/// Literals directly, host names with getaddrinfo (the first answer, IPv4 preferred).
Result<IpAddress> resolve_address(const std::string& addr);

/// Every mirror virtual_addr of `vip`, in document order, with its interface and prefix
/// (choose_interface; IPv4 aliases numbered per interface from 0). The first failure stops
/// the plan, so nothing is added when one address cannot be placed.
[[nodiscard]] Result<std::vector<PlannedAddress>> plan_addresses(const config::VipConfig& vip,
                                                                 const std::vector<LinkInfo>& links,
                                                                 const std::vector<AddressInfo>& present,
                                                                 const AddressResolver& resolve = resolve_address);

}  // namespace haven::vip
