// A PostgreSQL cluster made for one test: initdb (as postgres, trust logins) in a folder
// under /tmp, on a free port of 127.0.0.1, its socket and log beside it; any server still
// running on it is stopped (pg_ctl -m immediate) and the folder removed at the end.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace haven::test {

/// Why PostgreSQL tests cannot run here ("" when they can): not root, no postgres user, no
/// initdb under /usr/lib/postgresql/*/bin.
std::string postgresql_unavailable();

class PgTestCluster {
 public:
  /// Throws with initdb's output when the cluster cannot be made.
  PgTestCluster();
  ~PgTestCluster();
  PgTestCluster(const PgTestCluster&) = delete;
  PgTestCluster& operator=(const PgTestCluster&) = delete;

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path data() const { return folder_ / "data"; }
  int port() const { return port_; }
  const std::string& version() const { return version_; }
  /// The plugin's settings for this cluster: data, port, version, socket_dir, log, listen.
  std::map<std::string, std::string> settings() const;

 private:
  std::filesystem::path folder_;
  int port_ = 0;
  std::string version_;
};

/// A TCP port of 127.0.0.1 that nothing listens on now.
int free_port();

}  // namespace haven::test
