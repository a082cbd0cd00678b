// Building the node's links and addresses, and <vip> configurations, for the pure tests.
#pragma once

#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "vip/netlink_addresses.hpp"

namespace haven::vip::testing {

inline LinkInfo link_named(int index, const std::string& name, bool loopback = false) {
  LinkInfo l;
  l.index = index;
  l.name = name;
  l.loopback = loopback;
  l.has_mac = !loopback;
  l.mac = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(index)};
  l.up = l.running = true;
  return l;
}

inline AddressInfo address_on(const LinkInfo& link, const std::string& ip, int length) {
  AddressInfo a;
  a.if_index = link.index;
  a.interface = link.name;
  a.prefix = IpPrefix{*parse_ip_address(ip), length};
  return a;
}

inline config::VirtualAddr virtual_addr(const std::string& addr, const std::string& where = "one_side_alias",
                                        const std::string& netmask = "") {
  config::VirtualAddr v;
  v.addr = addr;
  v.where = where;
  v.netmask = netmask;
  return v;
}

}  // namespace haven::vip::testing
