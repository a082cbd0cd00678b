// This host's interfaces and their addresses, as the ip and intf checkers need them.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <haven/config_node.hpp>
#include <haven/result.hpp>

namespace haven::checker_netif {

/// One address on one interface, with the interface's state.
struct InterfaceAddress {
  std::string interface;  ///< "eth0"
  std::string address;    ///< numeric, canonical: "198.51.100.1", "2001:db8::1"
  bool up = false;        ///< IFF_UP: configured up
  bool running = false;   ///< IFF_RUNNING: up with a carrier
};

/// Every address of every interface (getifaddrs); io_error when the system refuses. An
/// interface without any IP address appears once with an empty `address`, so that it can be
/// watched by name.
Result<std::vector<InterfaceAddress>> list_interface_addresses();

/// The canonical numeric form of an IPv4/IPv6 literal, or invalid_argument naming `where`.
Result<std::string> canonical_address(const std::string& text, const std::string& where);

/// "file:line <path>" for error messages.
std::string place_of(const ConfigNode& node);

/// The `addr` (or `local_addr`) of the element's `<to>` child, canonical. Errors name the
/// plugin, the place and what was expected.
Result<std::string> read_target_address(const ConfigNode& element, const std::string& attribute,
                                        const std::string& plugin);

/// Validates the `<to attribute="..."/>` child of an `<ip>` or `<intf>` element into
/// `findings` (a missing `<to>`, a missing or non-numeric address), with warnings for what
/// the element does not use; `also` lists other attributes `<to>` may have. Returns the
/// address as written (the seed product names the resource by it), empty when missing.
std::string check_target_address(const ConfigNode& element, const std::string& attribute,
                                 std::initializer_list<std::string_view> also, std::vector<ConfigDiagnostic>& findings);

}  // namespace haven::checker_netif
