// The three places bench/mysql runs sysbench against: MariaDB on a local folder, the same
// through haven's replicated folder (the shipped mysql module on a pair in namespaces, the
// secondary in sync), and MariaDB's own semi-synchronous replication (a primary and a replica
// on this machine, the primary waiting for the replica's acknowledgement after its sync).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::bench {

/// How to reach one setup's database: the command line's prefix ("ip netns exec NS" when the
/// client runs on a namespace host), host, port, account and database.
struct MysqlTarget {
  std::vector<std::string> prefix;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string database;
};

/// One setup: made, then reached through target(); everything removed when it goes.
class MysqlSetup {
 public:
  virtual ~MysqlSetup() = default;
  virtual const MysqlTarget& target() const = 0;
  /// One line that says what runs where, for the report.
  virtual std::string describe() const = 0;
};

/// A server on a folder under /tmp, started with the module's mysql_server.cnf, on a free port.
Result<std::unique_ptr<MysqlSetup>> make_local_setup(const std::filesystem::path& source);
/// The shipped mysql module on a pair of havend (tests/cluster_failover/database_pair.hpp, the
/// MariaDB flavour), node1 primary, node2 secondary in sync; the client on client1, through the VIP.
Result<std::unique_ptr<MysqlSetup>> make_haven_setup(const std::filesystem::path& build, const std::filesystem::path& source);
/// A primary (binlog, sync_binlog = 1, semi-sync master, wait point AFTER_SYNC) and a replica
/// (semi-sync slave) on free ports of 127.0.0.1, both with the module's option file; ready once
/// the primary says Rpl_semi_sync_master_status ON.
Result<std::unique_ptr<MysqlSetup>> make_semisync_setup(const std::filesystem::path& source);

/// Runs sysbench oltp_write_only prepare, then run with `threads` for `seconds`, against the
/// target; the transactions per second it printed.
Result<double> run_sysbench(const MysqlTarget& target, int tables, int table_size, int threads, int seconds);

}  // namespace haven::bench
