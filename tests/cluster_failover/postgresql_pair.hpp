// The shipped postgresql module on a FailoverPair, as test_postgresql_netns and
// bench/postgresql run it: each node's havend in a mount namespace of its own where the node's
// folder is bind-mounted at one shared path, so both nodes run the cluster from the same data
// path; node1's folder holds a new cluster (initdb), node2's an empty data folder. Clients
// reach the database through the VIP from client1's network namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "failover_pair.hpp"
#include "haven/result.hpp"

namespace haven::netns_failover {

/// The virtual IP of the pair (lan1 spare 0, as FailoverPair would pick it).
inline constexpr const char* kPostgresVip = "198.51.100.50";

/// Why the pair cannot be built here ("" when it can): not root, no network namespaces, no
/// /dev/fuse, no Debian postgresql.
std::string postgres_pair_unavailable();

class PostgresPair {
 public:
  /// Makes the folders, the cluster on node1, the pair with the shipped module (macros filled
  /// in: the VIP, the installed version, the shared data path and socket folder) and forms it
  /// (node1 PRIM, node2 SECOND, both Ready). `build` and `source`: the build and source trees.
  static Result<std::unique_ptr<PostgresPair>> create(const std::filesystem::path& build,
                                                      const std::filesystem::path& source, const std::string& name);
  ~PostgresPair();
  PostgresPair(const PostgresPair&) = delete;
  PostgresPair& operator=(const PostgresPair&) = delete;

  FailoverPair& pair() { return *pair_; }
  /// client1's network namespace, for in_netns.
  std::string client_netns() const { return pair_->netns("client1"); }
  /// The shared data path (empty in this process's mount namespace) and node n's own folder.
  std::filesystem::path shared() const { return dir_ / "pg"; }
  std::filesystem::path node_dir(int n) const { return dir_ / ("node" + std::to_string(n)); }
  /// node n's PostgreSQL log ($SAFEUSERVAR/postgresql.log).
  std::filesystem::path server_log(int n) const;

 private:
  explicit PostgresPair(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
  std::unique_ptr<FailoverPair> pair_;
};

/// Runs `work` on a thread inside network namespace `netns` (setns changes the calling thread
/// only: the sockets it opens are that host's), and waits for it. Throws when it cannot enter.
void in_netns(const std::string& netns, const std::function<void()>& work);

/// The libpq connection string to `host`, port 5432, user postgres: connect within 2 s,
/// keepalives and a user timeout so that a connection to a killed node fails in seconds, and
/// no statement longer than 30 s (every wait of a test stays bounded).
std::string postgres_conninfo(const std::string& host);

/// One statement on a fresh connection to the VIP from `netns`: the first column of each row.
Result<std::vector<std::string>> postgres_query(const std::string& netns, const std::string& sql);

}  // namespace haven::netns_failover
