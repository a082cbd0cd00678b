// One ICMP (or ICMPv6) echo request and its reply, within a deadline.
#pragma once

#include <chrono>
#include <string>

namespace haven::checker_ping {

/// The outcome of one echo: answered, or why not ("no reply within 1000 ms").
struct EchoOutcome {
  bool answered = false;
  bool timed_out = false;  ///< sent, but no reply came in time
  std::string detail;
  std::chrono::microseconds round_trip{0};
};

/// Sends one echo request to a numeric IPv4/IPv6 address and waits for its reply until
/// `timeout`. Uses an unprivileged ping socket when the system allows it, a raw socket
/// otherwise (root).
EchoOutcome echo_once(const std::string& address, std::chrono::milliseconds timeout);

}  // namespace haven::checker_ping
