// What the database-pair harness (database_pair.hpp) and the zero-loss test
// (zero_loss_test.cpp) need to know about one real database: its shipped module, how to make
// its first data folder, and how a client talks to it. Each database is one
// database_flavour_<name>.cpp; a third one is that file plus one haven_add_database_pair()
// in this folder's CMakeLists.txt.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::netns_failover {

/// One open connection of the database's own client library to one server. Used by one
/// thread at a time; closed when destroyed.
class DatabaseClient {
 public:
  virtual ~DatabaseClient() = default;
  /// Runs one statement in a transaction of its own, committed when this returns OK; returns
  /// the first column of each row it produced (none for a statement without rows). The error
  /// names the statement and carries the server's message; after one the connection may be
  /// dead, so the caller discards it.
  [[nodiscard]] virtual Result<std::vector<std::string>> execute(const std::string& sql) = 0;
};

/// How the pair's clients log in through the VIP (no password).
struct ClientAccount {
  std::string user;
  std::string database;
  int port = 0;
};

/// The fixed facts about one database, as the harness and the test use them.
struct DatabaseFacts {
  std::string name;                ///< for messages: "PostgreSQL", "MariaDB"
  std::string module;              ///< the shipped module: modules/<module>/, its name on the nodes
  std::string tag;                 ///< 2-3 letters: /tmp/hv<tag>ns.XXXXXX, /tmp/hv<tag>ns-logs, cluster fo<tag>
  std::string rounds_variable;     ///< the environment variable setting the test's rounds
  std::string keep_logs_variable;  ///< set: the test keeps the nodes' logs also when it passes
  std::string data_marker;         ///< a file only a filled data folder holds ("PG_VERSION")
  std::string server_log;          ///< the server's log file under the module's $SAFEUSERVAR
  /// What the module log of a restarted node says when its prestart finds the killed server's
  /// pid file naming a process that is no server of this node (and signals nothing).
  std::string stale_pid_note;
  ClientAccount account;
  /// The test's table acked_rows (n, a 64-bit integer primary key) in this database's SQL,
  /// durable on commit. Rows go in with "INSERT INTO acked_rows VALUES (n)" and are read back
  /// with "SELECT n FROM acked_rows", which every SQL database takes.
  std::string create_table_sql;
};

/// One database: its facts and the few things done in its own way. Stateless: one constant
/// object per database, callable from any thread.
class DatabaseFlavour {
 public:
  explicit DatabaseFlavour(DatabaseFacts facts) : facts_(std::move(facts)) {}
  virtual ~DatabaseFlavour() = default;
  DatabaseFlavour(const DatabaseFlavour&) = delete;
  DatabaseFlavour& operator=(const DatabaseFlavour&) = delete;

  const DatabaseFacts& facts() const { return facts_; }

  /// Why this database cannot run here ("" when it can): its Debian package or system user
  /// is missing. Root, network namespaces and /dev/fuse are the harness's to check.
  virtual std::string unavailable() const = 0;
  /// The macros of the module's userconfig.xml to fill in, besides VIRTUAL_IP, as an
  /// administrator would: `shared` is the path where each node sees its own folder (the data
  /// folder is shared/data, any socket or run folder goes under it).
  [[nodiscard]] virtual Result<std::map<std::string, std::string>> macros(const std::filesystem::path& shared) const = 0;
  /// Makes node1's data folder `data` (absent; its parent exists with mode 0755) holding a new
  /// database whose clients from 198.51.100.0/24 log in as `facts().account` without a password.
  [[nodiscard]] virtual Status make_initial_data(const std::filesystem::path& data) const = 0;
  /// Makes node2's data folder `data` empty, owned and permitted as the server wants it: the
  /// first reintegration fills it.
  [[nodiscard]] virtual Status make_empty_data(const std::filesystem::path& data) const = 0;
  /// Connects to `host` (from the calling thread's network namespace) as `facts().account`.
  /// Bounded, so a test never hangs on a killed node: connecting gives up within a few
  /// seconds, and a statement to a server that died fails within about ten.
  [[nodiscard]] virtual Result<std::unique_ptr<DatabaseClient>> connect(const std::string& host) const = 0;

 private:
  DatabaseFacts facts_;
};

/// The flavour this program is built for: each database_flavour_<name>.cpp defines it, and a
/// program links exactly one of them (through the library haven_<name>_pair).
const DatabaseFlavour& linked_database_flavour();

}  // namespace haven::netns_failover
