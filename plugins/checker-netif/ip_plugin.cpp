// The entry point of haven.checker.ip.
#include <haven/plugin.hpp>

#include "ip_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::checker_netif::IpChecker>> make(haven::HostContext& host) {
  return haven::checker_netif::IpChecker::from_host(host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.ip", "0.1.0", "Up while an address is configured on this host", make)
