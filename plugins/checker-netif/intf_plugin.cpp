// The entry point of haven.checker.intf.
#include <haven/plugin.hpp>

#include "intf_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::checker_netif::IntfChecker>> make(haven::HostContext& host) {
  return haven::checker_netif::IntfChecker::from_host(host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.intf", "0.1.0",
             "Up while the interface holding a local address is up with a carrier", make)
