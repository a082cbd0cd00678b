#include "load_filter/promiscuous_mode.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace haven::load_filter {
namespace {

// A datagram socket for interface ioctls, closed on scope exit.
class IoctlSocket {
 public:
  IoctlSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~IoctlSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  IoctlSocket(const IoctlSocket&) = delete;
  IoctlSocket& operator=(const IoctlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Error ioctl_error(const std::string& interface, const char* what, int err) {
  return fail(err == ENODEV ? Errc::not_found : Errc::io_error,
              fmt::format("interface '{}': {}: {}", interface, what, std::strerror(err)));
}

Result<ifreq> request_for(const std::string& interface) {
  if (!is_valid_interface_name(interface))
    return fail(Errc::invalid_argument, fmt::format("interface '{}': not a valid interface name", interface));
  ifreq req{};
  std::memcpy(req.ifr_name, interface.data(), interface.size());
  return req;
}

}  // namespace

Result<bool> promiscuous(const std::string& interface) {
  auto req = request_for(interface);
  if (!req) return std::move(req).error();
  IoctlSocket s;
  if (s.fd() < 0) return ioctl_error(interface, "socket for SIOCGIFFLAGS", errno);
  if (::ioctl(s.fd(), SIOCGIFFLAGS, &req.value()) != 0) return ioctl_error(interface, "reading its flags", errno);
  return (req->ifr_flags & IFF_PROMISC) != 0;
}

Status set_promiscuous(const std::string& interface, bool on) {
  auto req = request_for(interface);
  if (!req) return std::move(req).error();
  IoctlSocket s;
  if (s.fd() < 0) return ioctl_error(interface, "socket for SIOCSIFFLAGS", errno);
  if (::ioctl(s.fd(), SIOCGIFFLAGS, &req.value()) != 0) return ioctl_error(interface, "reading its flags", errno);
  if (on)
    req->ifr_flags = static_cast<short>(req->ifr_flags | IFF_PROMISC);
  else
    req->ifr_flags = static_cast<short>(req->ifr_flags & ~IFF_PROMISC);
  if (::ioctl(s.fd(), SIOCSIFFLAGS, &req.value()) != 0)
    return ioctl_error(interface, on ? "turning promiscuous mode on" : "turning promiscuous mode off", errno);
  return ok_status();
}

Result<MacBytes> hardware_address(const std::string& interface) {
  auto req = request_for(interface);
  if (!req) return std::move(req).error();
  IoctlSocket s;
  if (s.fd() < 0) return ioctl_error(interface, "socket for SIOCGIFHWADDR", errno);
  if (::ioctl(s.fd(), SIOCGIFHWADDR, &req.value()) != 0) return ioctl_error(interface, "reading its MAC address", errno);
  MacBytes mac{};
  std::memcpy(mac.data(), req->ifr_hwaddr.sa_data, mac.size());
  return mac;
}

}  // namespace haven::load_filter
