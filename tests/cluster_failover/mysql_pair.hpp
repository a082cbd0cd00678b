// The shipped mysql module on a FailoverPair, as test_mysql_netns and bench/mysql run it: each
// node's havend in a mount namespace of its own where the node's folder is bind-mounted at one
// shared path, so both nodes run MariaDB on the same datadir path; node1's folder holds a new
// datadir (mariadb-install-db, with a client account for the VIP), node2's an empty one.
// Clients reach the database through the VIP from client1's network namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "failover_pair.hpp"
#include "haven/result.hpp"

namespace haven::netns_failover {

/// The virtual IP of the MariaDB pair (lan1 spare 0, as FailoverPair would pick it).
inline constexpr const char* kMysqlVip = "198.51.100.50";
/// The account and database the pair's clients use (no password, any host).
inline constexpr const char* kMysqlClientUser = "hvclient";
inline constexpr const char* kMysqlDatabase = "hvtest";

/// Why the pair cannot be built here ("" when it can): not root, no network namespaces, no
/// /dev/fuse, no Debian mariadb-server.
std::string mysql_pair_unavailable();

class MysqlPair {
 public:
  /// Makes the folders, the datadir on node1, the pair with the shipped module (macros filled
  /// in: the VIP, the shared datadir and run folder) and forms it (node1 PRIM, node2 SECOND,
  /// both Ready). `build` and `source`: the build and source trees.
  static Result<std::unique_ptr<MysqlPair>> create(const std::filesystem::path& build,
                                                   const std::filesystem::path& source, const std::string& name);
  ~MysqlPair();
  MysqlPair(const MysqlPair&) = delete;
  MysqlPair& operator=(const MysqlPair&) = delete;

  FailoverPair& pair() { return *pair_; }
  /// client1's network namespace, for in_netns.
  std::string client_netns() const { return pair_->netns("client1"); }
  /// The shared path (empty in this process's mount namespace) and node n's own folder.
  std::filesystem::path shared() const { return dir_ / "db"; }
  std::filesystem::path node_dir(int n) const { return dir_ / ("node" + std::to_string(n)); }
  /// node n's MariaDB error log ($SAFEUSERVAR/mysql.err).
  std::filesystem::path server_log(int n) const;

  /// Runs `work` on a thread inside network namespace `netns` (setns changes the calling
  /// thread only: the sockets it opens are that host's), and waits. Throws when it cannot enter.
  static void in_netns(const std::string& netns, const std::function<void()>& work);

 private:
  explicit MysqlPair(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
  std::unique_ptr<FailoverPair> pair_;
};

/// One statement on a fresh Connector/C connection to the VIP (port 3306, kMysqlClientUser,
/// kMysqlDatabase) from `netns`: the first column of each row. Connect within 2 s, reads and
/// writes within 10 s.
Result<std::vector<std::string>> mysql_vip_query(const std::string& netns, const std::string& sql);

}  // namespace haven::netns_failover
