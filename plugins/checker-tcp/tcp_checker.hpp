// haven.checker.tcp: up while a TCP connection to one address and port succeeds.
//
// Configured from the seed product's element:
//   <tcp ident="web" when="prim"><to addr="127.0.0.1" port="80" interval="10" timeout="5"/></tcp>
// The host keeps the policy (interval, timeout, rise/fall, the resource tcp.<ident>); this
// checker only connects once per probe and says whether it worked, and why.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

namespace haven::checker_tcp {

/// Where to connect, read from `<to addr port/>`.
struct TcpTarget {
  std::string addr;   ///< numeric IPv4/IPv6 address, or a host name (resolved at each probe)
  std::string port;   ///< decimal, 1..65535
};

/// What haven.checker.tcp owns: `<check><tcp>`, resources tcp.<ident>, generated rule
/// t_<ident>, when="prim" and action="restart" by default, ident required.
const CheckerSchema& tcp_schema();

/// Validates a `<tcp>` element: a `<to addr port/>` (the first is probed), when="pre" only
/// with action="wait", and warnings for attributes and elements it does not know.
CheckerConfiguration configure_tcp(const ConfigNode& element);

/// Reads the target from a `<tcp>` element (its `<to>` child) or a bare `<to>` element.
/// Errors name the file, line and element path, the bad value and what was expected.
Result<TcpTarget> parse_tcp_target(const ConfigNode& element);

class TcpChecker final : public Checker {
 public:
  TcpChecker(HostContext& host, TcpTarget target) : host_(host), target_(std::move(target)) {}

  /// Makes a checker from the host's configuration element.
  static Result<std::unique_ptr<TcpChecker>> from_host(HostContext& host);

  /// One non-blocking connect to each resolved address in turn until one succeeds or the
  /// timeout is spent. Down when none answers, with the last reason.
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

  const TcpTarget& target() const { return target_; }

 private:
  HostContext& host_;
  TcpTarget target_;
};

}  // namespace haven::checker_tcp
