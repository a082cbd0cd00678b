// The client side of the test's "who are you" service, with sockets made in the client's
// namespace and bound to one of its many source addresses. Every wait is bounded.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "netns_thread.hpp"

namespace haven::load_filter::testing {

/// A socket address for `address` (IPv4 or IPv6) and `port`; throws on a bad address.
sockaddr_storage endpoint(const std::string& address, int port, socklen_t& length);

/// One TCP connection to the service.
class WhoConnection {
 public:
  /// Connects from `source` (port chosen by the kernel) to `vip`:`port` within `timeout`;
  /// nullopt with `why` set when it fails.
  static std::optional<WhoConnection> open(const std::string& netns, const std::string& source, const std::string& vip,
                                           int port, std::chrono::milliseconds timeout, std::string& why);
  /// Sends a line and returns the answer (the node's name); "" with `why` set on failure.
  std::string ask(std::chrono::milliseconds timeout, std::string& why);
  /// "198.51.100.101:40000": the client's end, as the servers record it.
  const std::string& local() const { return local_; }

 private:
  WhoConnection(UniqueFd fd, std::string local) : fd_(std::move(fd)), local_(std::move(local)) {}
  UniqueFd fd_;
  std::string local_;
};

/// A UDP socket bound to `source` and connected to `vip`:`port` (connected, so that Linux gives
/// its datagrams increasing IP identifications, as on_ipid needs).
class WhoDatagrams {
 public:
  /// Throws std::runtime_error when the socket cannot be made, bound or connected.
  WhoDatagrams(const std::string& netns, const std::string& source, const std::string& vip, int port);
  /// Sends one datagram and collects every answer that arrives within `window` (more than one
  /// means two nodes answered).
  std::vector<std::string> ask(std::chrono::milliseconds window);
  /// "198.51.100.101:40000": the client's end, as the servers record it.
  const std::string& local() const { return local_; }

 private:
  UniqueFd fd_;
  std::string local_;
};

}  // namespace haven::load_filter::testing
