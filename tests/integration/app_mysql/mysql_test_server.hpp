// A MariaDB datadir made for one test: mariadb-install-db (as root for the mysql user, root's
// login by unix socket) in a folder under /tmp, a free port of 127.0.0.1, socket, pid file and
// log beside it; any server still running on it is killed and the folder removed at the end.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace haven::test {

/// Why MariaDB tests cannot run here ("" when they can): not root, no mysql user, no
/// mariadb-install-db or server program.
std::string mysql_unavailable();

/// Makes a datadir at `data` (its parent must exist and be reachable by the mysql user) with
/// mariadb-install-db, then runs `bootstrap_sql` (when not empty) through `mariadbd
/// --bootstrap` on it (one statement a line; the grant tables are loaded first, so CREATE USER
/// works). Throws with the programs' output when it fails.
void install_mysql_datadir(const std::filesystem::path& data, const std::string& bootstrap_sql = {});

class MysqlTestServer {
 public:
  /// Throws with mariadb-install-db's output when the datadir cannot be made.
  MysqlTestServer();
  ~MysqlTestServer();
  MysqlTestServer(const MysqlTestServer&) = delete;
  MysqlTestServer& operator=(const MysqlTestServer&) = delete;

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path data() const { return folder_ / "data"; }
  std::filesystem::path pid_file() const { return folder_ / "run" / "mysqld.pid"; }
  std::filesystem::path log() const { return folder_ / "mysql.err"; }
  int port() const { return port_; }
  /// The plugin's settings: data, port, run_dir, pid_file, log, listen.
  std::map<std::string, std::string> settings() const;

 private:
  std::filesystem::path folder_;
  int port_ = 0;
};

/// A TCP port of 127.0.0.1 that nothing listens on now.
int free_mysql_port();

}  // namespace haven::test
