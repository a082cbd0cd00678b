// The entry point of haven.checker.ping: the owner of <check><ping>.
#include <haven/plugin.hpp>

#include "ping_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_ping::PingChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_ping::ping_schema(),
                                                         &haven::checker_ping::configure_ping, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.ping", "0.2.0", "Up while every target answers an ICMP echo", factory)
