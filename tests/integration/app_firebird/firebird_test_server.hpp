// A Firebird data folder made for one test, in a folder under /tmp: the instance's run folder
// written by the plugin's own code, then (embedded, as the firebird user, with that run
// folder's configuration) a security database whose SYSDBA has a password of the test's and
// an empty database haven.fdb, as docs/modules/firebird.md tells an administrator to; a free
// port of 127.0.0.1. Any server still running on the folder is killed and the folder removed
// at the end. Debian's own firebird3.0.service is neither used nor touched.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace haven::test {

/// Why Firebird tests cannot run here ("" when they can): not root, no firebird user, no
/// /usr/sbin/firebird or isql-fb.
std::string firebird_unavailable();

/// Runs `sql` through isql-fb (embedded: no server), as the firebird user, with the instance
/// configuration of `run_dir` (FIREBIRD, FIREBIRD_LOCK), on `database` ("" for statements that
/// name their own, as CREATE DATABASE does). Returns isql-fb's output; throws with it on failure.
std::string isql_embedded(const std::filesystem::path& run_dir, const std::filesystem::path& database,
                          const std::string& sql);

class FirebirdTestServer {
 public:
  /// Throws with isql-fb's output when the databases cannot be made.
  FirebirdTestServer();
  ~FirebirdTestServer();
  FirebirdTestServer(const FirebirdTestServer&) = delete;
  FirebirdTestServer& operator=(const FirebirdTestServer&) = delete;

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path data() const { return folder_ / "data"; }
  std::filesystem::path run_dir() const { return folder_ / "run"; }
  std::filesystem::path pid_file() const { return run_dir() / "firebird.pid"; }
  std::filesystem::path log() const { return folder_ / "firebird.log"; }
  std::filesystem::path database() const { return data() / "haven.fdb"; }
  int port() const { return port_; }
  const std::string& password() const { return password_; }
  /// The plugin's settings: data, port, run_dir, log, listen, password.
  std::map<std::string, std::string> settings() const;

 private:
  std::filesystem::path folder_;
  int port_ = 0;
  std::string password_;
};

/// A TCP port of 127.0.0.1 that nothing listens on now.
int free_firebird_port();

}  // namespace haven::test
