// The entry point of haven.checker.tcp: the owner of <check><tcp>.
#include <haven/plugin.hpp>

#include "tcp_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_tcp::TcpChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_tcp::tcp_schema(),
                                                         &haven::checker_tcp::configure_tcp, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.tcp", "0.2.0", "Up while a TCP connection to addr:port succeeds", factory)
