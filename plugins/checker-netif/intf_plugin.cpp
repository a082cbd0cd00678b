// The entry point of haven.checker.intf: the owner of <check><intf>.
#include <haven/plugin.hpp>

#include "intf_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_netif::IntfChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_netif::intf_schema(),
                                                         &haven::checker_netif::configure_intf, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.intf", "0.2.0", 
             "Up while the interface holding a local address is up with a carrier", factory)
