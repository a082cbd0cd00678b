// The three places bench/postgresql runs pgbench against: a cluster on a local folder, the
// same through haven's replicated folder (the shipped module on a pair in namespaces, the
// secondary in sync), and PostgreSQL's own synchronous streaming replication (a primary and a
// standby on this machine, synchronous_standby_names = '*').
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::bench {

/// How to reach one setup's database: the pgbench command line's prefix ("ip netns exec NS"
/// when the client runs on a namespace host) and its -h/-p.
struct PgTarget {
  std::vector<std::string> prefix;
  std::string host;
  int port = 5432;
};

/// One setup: made, then reached through target(); everything removed when it goes.
class PgSetup {
 public:
  virtual ~PgSetup() = default;
  virtual const PgTarget& target() const = 0;
  /// One line that says what runs where, for the report.
  virtual std::string describe() const = 0;
};

/// A cluster on a folder under /tmp, on a free port of 127.0.0.1.
Result<std::unique_ptr<PgSetup>> make_local_setup();
/// The shipped postgresql module on a pair of havend (tests/cluster_failover/database_pair.hpp,
/// the PostgreSQL flavour), node1 primary, node2 secondary in sync; the client on client1,
/// through the VIP.
Result<std::unique_ptr<PgSetup>> make_haven_setup(const std::filesystem::path& build, const std::filesystem::path& source);
/// A primary and a synchronous standby (pg_basebackup -R) on free ports of 127.0.0.1; ready
/// once pg_stat_replication says sync.
Result<std::unique_ptr<PgSetup>> make_streaming_setup();

/// Runs `pgbench -i -s scale` then `pgbench -c clients -j clients -T seconds` against the
/// target; the tps it printed (without the initial connection time).
Result<double> run_pgbench(const PgTarget& target, int scale, int clients, int seconds);

}  // namespace haven::bench
