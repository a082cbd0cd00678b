#include "vip/netlink_addresses.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace haven::vip {
namespace {

constexpr std::size_t kBufferSize = 32768;  // a dump answer fits in a page-sized chunk; be generous

std::string errno_text(int err) { return std::strerror(err); }

// mnl_attr_for_each, written for C++ (the macro assigns a void*).
template <typename F>
void for_each_attribute(const nlmsghdr* nlh, std::size_t header_size, F f) {
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, header_size));
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  while (mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)))) {
    f(attr);
    attr = mnl_attr_next(attr);
  }
}

int on_link(const nlmsghdr* nlh, void* data) {
  auto& out = *static_cast<std::vector<LinkInfo>*>(data);
  if (nlh->nlmsg_type != RTM_NEWLINK) return MNL_CB_OK;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkInfo link;
  link.index = ifi->ifi_index;
  link.up = (ifi->ifi_flags & IFF_UP) != 0;
  link.running = (ifi->ifi_flags & IFF_RUNNING) != 0;
  link.loopback = (ifi->ifi_flags & IFF_LOOPBACK) != 0;
  for_each_attribute(nlh, sizeof(*ifi), [&link](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case IFLA_IFNAME: link.name = mnl_attr_get_str(attr); break;
      case IFLA_ADDRESS:
        if (mnl_attr_get_payload_len(attr) == link.mac.size()) {
          std::memcpy(link.mac.data(), mnl_attr_get_payload(attr), link.mac.size());
          link.has_mac = !link.loopback;
        }
        break;
      default: break;
    }
  });
  out.push_back(std::move(link));
  return MNL_CB_OK;
}

IpAddress address_from(int family, const void* payload) {
  if (family == AF_INET) {
    boost::asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), payload, b.size());
    return boost::asio::ip::address_v4(b);
  }
  boost::asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), payload, b.size());
  return boost::asio::ip::address_v6(b);
}

int on_address(const nlmsghdr* nlh, void* data) {
  auto& out = *static_cast<std::vector<AddressInfo>*>(data);
  if (nlh->nlmsg_type != RTM_NEWADDR) return MNL_CB_OK;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return MNL_CB_OK;
  AddressInfo info;
  info.if_index = static_cast<int>(ifa->ifa_index);
  info.prefix.length = ifa->ifa_prefixlen;
  std::uint32_t flags = ifa->ifa_flags;
  bool have_local = false, have_address = false;
  const std::size_t size = ifa->ifa_family == AF_INET ? 4 : 16;
  for_each_attribute(nlh, sizeof(*ifa), [&](const nlattr* attr) {
    const auto type = mnl_attr_get_type(attr);
    if ((type == IFA_LOCAL || type == IFA_ADDRESS) && mnl_attr_get_payload_len(attr) == size) {
      // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on a
      // point-to-point link, and the only one IPv6 sends.
      if (type == IFA_LOCAL || !have_local) info.prefix.address = address_from(ifa->ifa_family, mnl_attr_get_payload(attr));
      (type == IFA_LOCAL ? have_local : have_address) = true;
    } else if (type == IFA_LABEL) {
      info.label = mnl_attr_get_str(attr);
    } else if (type == IFA_FLAGS && mnl_attr_get_payload_len(attr) == 4) {
      flags = mnl_attr_get_u32(attr);
    }
  });
  if (!have_local && !have_address) return MNL_CB_OK;
  info.secondary = (flags & IFA_F_SECONDARY) != 0;
  out.push_back(std::move(info));
  return MNL_CB_OK;
}

int on_ack(const nlmsghdr*, void*) { return MNL_CB_OK; }

}  // namespace

std::string describe(const AddressAssignment& a) {
  return a.prefix.to_string() + " on " + a.interface + (a.label.empty() ? "" : " (label " + a.label + ")");
}

NetlinkAddresses::NetlinkAddresses(mnl_socket* socket)
    : socket_(socket), port_id_(mnl_socket_get_portid(socket)), seq_(static_cast<unsigned>(::time(nullptr))) {}

NetlinkAddresses::NetlinkAddresses(NetlinkAddresses&& other) noexcept
    : socket_(std::exchange(other.socket_, nullptr)), port_id_(other.port_id_), seq_(other.seq_) {}

NetlinkAddresses& NetlinkAddresses::operator=(NetlinkAddresses&& other) noexcept {
  if (this != &other) {
    if (socket_) mnl_socket_close(socket_);
    socket_ = std::exchange(other.socket_, nullptr);
    port_id_ = other.port_id_;
    seq_ = other.seq_;
  }
  return *this;
}

NetlinkAddresses::~NetlinkAddresses() {
  if (socket_) mnl_socket_close(socket_);
}

Result<NetlinkAddresses> NetlinkAddresses::open() {
  mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!s) return fail(Errc::io_error, "cannot open a netlink route socket to manage virtual IPs: " + errno_text(errno));
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(s);
    return fail(Errc::io_error, "cannot bind the netlink route socket to manage virtual IPs: " + errno_text(err));
  }
  return NetlinkAddresses(s);
}

Result<int> NetlinkAddresses::exchange(std::vector<char>& buffer, const std::string& what, void* callback_data,
                                       int (*callback)(const nlmsghdr*, void*)) {
  auto* nlh = reinterpret_cast<nlmsghdr*>(buffer.data());
  const unsigned seq = nlh->nlmsg_seq;
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0)
    return fail(Errc::io_error, "netlink: cannot send " + what + ": " + errno_text(errno));
  for (;;) {
    const auto n = mnl_socket_recvfrom(socket_, buffer.data(), buffer.size());
    if (n < 0) return fail(Errc::io_error, "netlink: no answer to " + what + ": " + errno_text(errno));
    const int r = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), seq, port_id_, callback, callback_data);
    if (r < 0) return errno;
    if (r == MNL_CB_STOP) return 0;
  }
}

Result<std::vector<LinkInfo>> NetlinkAddresses::links() {
  std::vector<char> buffer(kBufferSize);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_GETLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = ++seq_;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  std::vector<LinkInfo> out;
  auto r = exchange(buffer, "the list of interfaces (RTM_GETLINK)", &out, on_link);
  if (!r.ok()) return std::move(r).error();
  if (*r != 0) return fail(Errc::io_error, "netlink: listing the interfaces (RTM_GETLINK) failed: " + errno_text(*r));
  return out;
}

Result<std::vector<AddressInfo>> NetlinkAddresses::addresses() {
  auto all_links = links();
  if (!all_links.ok()) return std::move(all_links).error();
  std::vector<char> buffer(kBufferSize);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_GETADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = ++seq_;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  std::vector<AddressInfo> out;
  auto r = exchange(buffer, "the list of addresses (RTM_GETADDR)", &out, on_address);
  if (!r.ok()) return std::move(r).error();
  if (*r != 0) return fail(Errc::io_error, "netlink: listing the addresses (RTM_GETADDR) failed: " + errno_text(*r));
  for (auto& a : out)
    for (const auto& l : *all_links)
      if (l.index == a.if_index) a.interface = l.name;
  return out;
}

Result<LinkInfo> NetlinkAddresses::link(const std::string& name) {
  auto all = links();
  if (!all.ok()) return std::move(all).error();
  std::string names;
  for (const auto& l : *all) {
    if (l.name == name) return l;
    names += (names.empty() ? "" : ", ") + l.name;
  }
  return fail(Errc::not_found, "interface " + name + " does not exist on this node (interfaces: " + names + ")");
}

Result<int> NetlinkAddresses::index_of(const std::string& interface) {
  auto l = link(interface);
  if (!l.ok()) return std::move(l).error();
  return l->index;
}

Status NetlinkAddresses::change(int type, const AddressAssignment& a) {
  const bool adding = type == RTM_NEWADDR;
  const std::string what = std::string(adding ? "adding " : "removing ") + describe(a);
  auto index = index_of(a.interface);
  if (!index.ok()) {
    if (!adding && index.error().code == Errc::not_found) return ok_status();  // gone with its interface
    return fail(index.error().code, what + ": " + index.error().message);
  }
  std::vector<char> buffer(kBufferSize);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = static_cast<std::uint16_t>(type);
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (adding ? NLM_F_CREATE | NLM_F_EXCL : 0);
  nlh->nlmsg_seq = ++seq_;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  const bool v4 = a.prefix.is_v4();
  ifa->ifa_family = v4 ? AF_INET : AF_INET6;
  ifa->ifa_prefixlen = static_cast<unsigned char>(a.prefix.length);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(*index);
  if (v4) {
    const auto bytes = a.prefix.address.to_v4().to_bytes();
    mnl_attr_put(nlh, IFA_LOCAL, bytes.size(), bytes.data());
    mnl_attr_put(nlh, IFA_ADDRESS, bytes.size(), bytes.data());
    if (adding && a.prefix.length < 31) {
      const std::uint32_t host = a.prefix.length == 0 ? ~0u : (~0u >> a.prefix.length);
      const auto broadcast = boost::asio::ip::address_v4(a.prefix.address.to_v4().to_uint() | host).to_bytes();
      mnl_attr_put(nlh, IFA_BROADCAST, broadcast.size(), broadcast.data());
    }
    if (adding && !a.label.empty()) mnl_attr_put_strz(nlh, IFA_LABEL, a.label.c_str());
  } else {
    const auto bytes = a.prefix.address.to_v6().to_bytes();
    mnl_attr_put(nlh, IFA_ADDRESS, bytes.size(), bytes.data());
    if (adding) {
      ifa->ifa_flags = IFA_F_NODAD;
      mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
    }
  }
  auto r = exchange(buffer, what, nullptr, on_ack);
  if (!r.ok()) return std::move(r).error();
  const int err = *r;
  if (err == 0) return ok_status();
  if (adding && err == EEXIST) return ok_status();
  if (!adding && (err == EADDRNOTAVAIL || err == ENOENT || err == ENODEV)) return ok_status();
  return fail(Errc::io_error, "netlink: " + what + " failed: " + errno_text(err) +
                                  (err == EPERM ? " (haven needs CAP_NET_ADMIN to manage virtual IPs)" : ""));
}

Status NetlinkAddresses::add(const AddressAssignment& a) { return change(RTM_NEWADDR, a); }

Status NetlinkAddresses::remove(const AddressAssignment& a) { return change(RTM_DELADDR, a); }

}  // namespace haven::vip
