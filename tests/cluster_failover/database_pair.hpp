// A shipped database module on a FailoverPair, as the zero-loss tests (zero_loss_test.cpp) and
// the database benches (bench/postgresql, bench/mysql) run it: each node's havend in a mount
// namespace of its own where the node's folder is bind-mounted at one shared path, so both
// nodes run the server on the same data path, as two machines would; node1's folder holds a
// new database, node2's an empty data folder that replication fills. Clients reach the database
// through the VIP from client1's network namespace. What differs between databases comes from
// a DatabaseFlavour.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "database_flavour.hpp"
#include "failover_pair.hpp"
#include "haven/result.hpp"

namespace haven::netns_failover {

/// The virtual IP of the pair (lan1 spare 0, as FailoverPair would pick it).
inline constexpr const char* kDatabaseVip = "198.51.100.50";

/// Why the pair cannot be built here ("" when it can): not root, no network namespaces, no
/// /dev/fuse, or what `flavour` says is missing.
std::string database_pair_unavailable(const DatabaseFlavour& flavour);

class DatabasePair {
 public:
  /// Makes the folders, the database on node1, the pair (cluster `name`) with the shipped
  /// module of `flavour` (its macros filled in, VIRTUAL_IP = kDatabaseVip) and forms it (node1
  /// PRIM, node2 SECOND, both Ready). `build` and `source`: the build and source trees.
  /// `flavour` must outlive the pair.
  [[nodiscard]] static Result<std::unique_ptr<DatabasePair>> create(const DatabaseFlavour& flavour,
                                                                    const std::filesystem::path& build,
                                                                    const std::filesystem::path& source,
                                                                    const std::string& name);
  /// Kills every process of the nodes (and with them their mount namespaces), removes the folders.
  ~DatabasePair();
  DatabasePair(const DatabasePair&) = delete;
  DatabasePair& operator=(const DatabasePair&) = delete;

  const DatabaseFlavour& flavour() const { return flavour_; }
  FailoverPair& pair() { return *pair_; }
  /// client1's network namespace, for in_netns.
  std::string client_netns() const { return pair_->netns("client1"); }
  /// The shared path (empty in this process's mount namespace) and node n's own folder.
  std::filesystem::path shared() const { return dir_ / "db"; }
  std::filesystem::path node_dir(int n) const { return dir_ / ("node" + std::to_string(n)); }
  /// node n's server log ($SAFEUSERVAR/<facts().server_log>).
  std::filesystem::path server_log(int n) const;
  /// One statement on a fresh connection to the VIP from client1: the first column of each row.
  [[nodiscard]] Result<std::vector<std::string>> query_through_vip(const std::string& sql) const;

 private:
  DatabasePair(const DatabaseFlavour& flavour, std::filesystem::path dir) : flavour_(flavour), dir_(std::move(dir)) {}
  const DatabaseFlavour& flavour_;
  std::filesystem::path dir_;
  std::unique_ptr<FailoverPair> pair_;
};

/// Runs `work` on a thread inside network namespace `netns` (setns changes the calling thread
/// only: the sockets it opens are that host's), and waits for it. Throws when it cannot enter,
/// and rethrows what `work` threw as std::runtime_error.
void in_netns(const std::string& netns, const std::function<void()>& work);

}  // namespace haven::netns_failover
