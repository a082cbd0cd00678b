// HAProxy as the director of the same three web servers: a 4-node namespace cluster where
// node1..node3 run python3 -m http.server on their plain addresses, port 80 ("served by
// <node>", as the farm module's servers), node4 runs haproxy holding 198.51.100.50 (the
// address the farm uses as its VIP) and client1 sends to it. HAProxy balances by source
// address with consistent hashing, the nearest thing to the farm's on_addr buckets: a client
// stays on one server, and only the clients of a server that dies move.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "netns_cluster.hpp"

namespace haven::bench {

/// The director host and the web servers behind it.
inline constexpr const char* kDirectorHost = "node4";
inline constexpr int kDirectedServers = 3;

/// One backend server of the configuration: its name and address (port 80).
struct BackendServer {
  std::string name;
  std::string address;
};

/// The haproxy.cfg the bench uses: fastest health checks (inter 100ms fall 1 rise 1, a TCP
/// connect), option redispatch on every retry, retries 3, timeout connect 100ms.
std::string haproxy_config(const std::string& bind_address, const std::vector<BackendServer>& servers);

/// Whether haproxy can run here (found in /usr/sbin or PATH); the reason when not.
Status haproxy_available();
/// The first line of `haproxy -v`, or "haproxy (version unknown)".
std::string haproxy_version();

class HaproxyDirector {
 public:
  /// Builds the cluster (named `name`), starts the three web servers and haproxy, and waits
  /// (15 s at most) until haproxy answers from client1 and has served from all three servers.
  /// `sources` are client1's addresses for the clients (client_addresses.hpp).
  [[nodiscard]] static Result<std::unique_ptr<HaproxyDirector>> create(const std::string& name,
                                                                       const std::vector<std::string>& sources);
  ~HaproxyDirector();
  HaproxyDirector(const HaproxyDirector&) = delete;
  HaproxyDirector& operator=(const HaproxyDirector&) = delete;

  cluster::NetnsCluster& cluster() { return cluster_; }
  /// The address haproxy listens on (port 80).
  const std::string& address() const { return address_; }
  /// The `ip netns` name of a host.
  std::string netns(const std::string& host) const;
  /// The configuration file haproxy runs with (in work_dir()).
  std::filesystem::path config_file() const { return dir_ / "haproxy.cfg"; }
  const std::filesystem::path& work_dir() const { return dir_; }
  /// haproxy's output so far, for failure messages.
  std::string log_tail() const;

 private:
  HaproxyDirector(cluster::NetnsCluster cluster, std::filesystem::path dir);
  Status start(const std::vector<std::string>& sources);
  /// Polls from `sources` until answers came from every web server (15 s at most).
  Status wait_until_serving(const std::vector<std::string>& sources);

  cluster::NetnsCluster cluster_;
  std::filesystem::path dir_;
  std::string address_;
};

}  // namespace haven::bench
