// The entry point of haven.checker.ip: the owner of <check><ip>.
#include <haven/plugin.hpp>

#include "ip_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_netif::IpChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_netif::ip_schema(),
                                                         &haven::checker_netif::configure_ip, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.ip", "0.2.0", "Up while an address is configured on this host", factory)
