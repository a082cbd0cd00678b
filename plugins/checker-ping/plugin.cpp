// The entry point of haven.checker.ping.
#include <haven/plugin.hpp>

#include "ping_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::checker_ping::PingChecker>> make(haven::HostContext& host) {
  return haven::checker_ping::PingChecker::from_host(host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.ping", "0.1.0", "Up while every target answers an ICMP echo", make)
