// The "who are you" service each node of the test runs: TCP answers every line with the
// node's name and UDP every datagram; each connection and datagram it sees is recorded with
// the client's address and port, so the test can tell which node took what.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "netns_thread.hpp"

namespace haven::load_filter::testing {

/// One connection accepted or datagram received.
struct Seen {
  int port = 0;          ///< the service's port
  std::string peer;      ///< "198.51.100.101:40000" or "[2001:db8::101]:40000"
};

/// Listens inside a node's namespace: TCP on every address (IPv4 and IPv6) for each of
/// `tcp_ports`, UDP on `udp_vip` for each of `udp_ports` (so that answers come from the VIP).
/// Serves from its own thread until destroyed.
class WhoServer {
 public:
  WhoServer(const std::string& netns, const std::string& name, const std::vector<int>& tcp_ports,
            const std::string& udp_vip, const std::vector<int>& udp_ports);
  ~WhoServer();
  WhoServer(const WhoServer&) = delete;
  WhoServer& operator=(const WhoServer&) = delete;

  const std::string& name() const { return name_; }
  /// Everything seen so far.
  std::vector<Seen> seen() const;

 private:
  struct Listener {
    UniqueFd fd;
    int port = 0;
    bool udp = false;
  };
  void serve();

  std::string name_;
  std::vector<Listener> listeners_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// "addr:port" / "[addr]:port" of a socket address.
std::string describe_endpoint(const void* sockaddr_any);

}  // namespace haven::load_filter::testing
