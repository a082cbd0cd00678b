// The entry point of haven.checker.tcp.
#include <haven/plugin.hpp>

#include "tcp_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::checker_tcp::TcpChecker>> make(haven::HostContext& host) {
  return haven::checker_tcp::TcpChecker::from_host(host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.tcp", "0.1.0", "Up while a TCP connection to addr:port succeeds", make)
