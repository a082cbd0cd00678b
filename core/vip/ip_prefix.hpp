// An IP address with a prefix length (198.51.100.7/24, 2001:db8::7/64): what an interface
// holds, and what a virtual IP is added as.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven::vip {

using IpAddress = boost::asio::ip::address;

struct IpPrefix {
  IpAddress address;
  int length = 0;  ///< 0..32 (IPv4) or 0..128 (IPv6)

  bool is_v4() const { return address.is_v4(); }
  /// "198.51.100.7/24".
  std::string to_string() const;
  /// True when `other` lies in this prefix's subnet (same family, same leading `length` bits).
  bool contains(const IpAddress& other) const;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

/// The full-length prefix of an address: 32 for IPv4, 128 for IPv6.
int host_prefix_length(const IpAddress& address);

/// Parses an IPv4 or IPv6 literal (no brackets, no host names); nullopt otherwise.
std::optional<IpAddress> parse_ip_address(std::string_view text);

/// Reads a userconfig `netmask` for an address of `address`'s family: a prefix length ("24",
/// "/24", "64") or, for IPv4, a dotted mask ("255.255.255.0", contiguous). The error names
/// the value and what was expected.
Result<int> parse_netmask(std::string_view netmask, const IpAddress& address);

}  // namespace haven::vip
