// The "mysql" application kind: prepare, start, stop and check one MariaDB (or MySQL) server
// of the module's own (mariadbd/mysqld run as the mysql user on the module's datadir, socket,
// pid file and port), through the server program and Connector/C. README.md lists the settings.
#pragma once

#include <string>

#include "haven/application.hpp"
#include "haven/host_context.hpp"

namespace haven::mysql {

class MysqlApplication final : public Application {
 public:
  /// `host` logs what the object cannot say through a call's AppContext; it outlives this.
  explicit MysqlApplication(HostContext& host) : host_(host) {}

  /// "mysql".
  std::string kind() const override { return "mysql"; }
  /// Ownership of the datadir, the run folder and the log (data_folder.hpp).
  Status prepare(const AppContext& app) noexcept override;
  /// Starts the server program as the user, detached, and waits until SELECT 1 answers. A pid
  /// file naming no server of this datadir is removed first. With "service", systemctl start.
  Status start(const AppContext& app) noexcept override;
  /// Signals only a process verified to be this datadir's server (server_identity.hpp), found
  /// through the pid file or the host's process facts; nothing when there is none. graceful:
  /// SIGTERM (the server's clean shutdown) and a wait; forced: SIGKILL. With "service",
  /// systemctl stop / kill.
  Status stop(const AppContext& app, StopMode mode) noexcept override;
  /// SELECT 1 through Connector/C (mysql_client.hpp).
  Status check(const AppContext& app) noexcept override;

 private:
  HostContext& host_;
};

}  // namespace haven::mysql
