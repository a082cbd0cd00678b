// The kernel's interfaces and addresses, read and changed through rtnetlink (libmnl), in the
// network namespace of the calling thread at the time open() is called.
//
// Adding an address that is already there, and removing one that is not, both succeed: the
// agent and havend may repeat a take or a clean-up after a crash without knowing how far the
// last one went. Every error names the interface, the address and the kernel's errno text.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "vip/ip_prefix.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace haven::vip {

using MacAddress = std::array<std::uint8_t, 6>;

struct LinkInfo {
  int index = 0;
  std::string name;
  MacAddress mac{};          ///< zeros when the link has no Ethernet address (loopback, tun)
  bool has_mac = false;
  bool up = false;           ///< IFF_UP: administratively up
  bool running = false;      ///< IFF_RUNNING: carrier
  bool loopback = false;
};

struct AddressInfo {
  int if_index = 0;
  std::string interface;     ///< the link's name
  IpPrefix prefix;
  std::string label;         ///< IPv4 label ("eth0:1"); empty for IPv6
  bool secondary = false;    ///< IFA_F_SECONDARY: not the primary address of its subnet
};

/// One address as haven adds it: where, what, and for IPv4 an optional alias label.
struct AddressAssignment {
  std::string interface;
  IpPrefix prefix;
  std::string label;         ///< "<interface>:<n>" for one_side_alias; empty: none
  friend bool operator==(const AddressAssignment&, const AddressAssignment&) = default;
};

/// "198.51.100.50/24 on eth0 (label eth0:0)".
std::string describe(const AddressAssignment& a);

class NetlinkAddresses {
 public:
  /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
  [[nodiscard]] static Result<NetlinkAddresses> open();

  NetlinkAddresses(NetlinkAddresses&&) noexcept;
  NetlinkAddresses& operator=(NetlinkAddresses&&) noexcept;
  ~NetlinkAddresses();

  /// Every link (RTM_GETLINK dump), in the kernel's order (by index).
  [[nodiscard]] Result<std::vector<LinkInfo>> links();
  /// Every IPv4 and IPv6 address of every link (RTM_GETADDR dump).
  [[nodiscard]] Result<std::vector<AddressInfo>> addresses();
  /// The link of that name; not_found names the interfaces there are.
  [[nodiscard]] Result<LinkInfo> link(const std::string& name);

  /// RTM_NEWADDR. IPv6 addresses get IFA_F_NODAD, so they are usable at once (no
  /// "tentative" state during which the address cannot be bound or announced).
  /// Already there: OK.
  [[nodiscard]] Status add(const AddressAssignment& a);
  /// RTM_DELADDR. Absent (or its interface gone): OK.
  [[nodiscard]] Status remove(const AddressAssignment& a);

 private:
  explicit NetlinkAddresses(mnl_socket* socket);
  Result<int> index_of(const std::string& interface);
  // Sends the request in `buffer`; runs `callback` on every answer until the dump ends or
  // the ack comes. Returns the errno of a NLMSG_ERROR (0 when none), or an error when the
  // socket itself fails (`what` names the request in that message).
  Result<int> exchange(std::vector<char>& buffer, const std::string& what, void* callback_data,
                       int (*callback)(const ::nlmsghdr*, void*));
  Status change(int type, const AddressAssignment& a);

  mnl_socket* socket_ = nullptr;
  unsigned port_id_ = 0;
  unsigned seq_ = 0;
};

}  // namespace haven::vip
