// Checking a node address as cluster.xml writes it: IPv4, [IPv6] or a DNS name.
#pragma once

#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven::config {

/// OK for "192.168.1.67", "[2001:db8::1]", "node1.example.com"; invalid_argument with a
/// message saying which form was expected otherwise (a bare IPv6 needs brackets, a dotted
/// quad must be a real IPv4 address).
Status check_node_address(std::string_view addr);

}  // namespace haven::config
