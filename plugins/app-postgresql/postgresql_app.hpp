// The PostgreSQL application kind: prepare, start, stop and check one cluster with Debian's
// programs (pg_ctl as the server's user) and libpq. README.md lists the settings.
#pragma once

#include <string>

#include "haven/application.hpp"
#include "haven/host_context.hpp"

namespace haven::postgresql {

class PostgresApplication final : public Application {
 public:
  /// `host` logs what the object cannot say through a call's AppContext; it outlives this.
  explicit PostgresApplication(HostContext& host) : host_(host) {}

  /// "postgresql".
  std::string kind() const override { return "postgresql"; }
  /// Ownership and mode of the data directory, the socket folder and the log (data_folder.hpp).
  Status prepare(const AppContext& app) noexcept override;
  /// pg_ctl start -w; a postmaster.pid that names no postmaster of this data directory on this
  /// node is removed first (a copy of the other node's, or a crash's), then SELECT 1.
  Status start(const AppContext& app) noexcept override;
  /// Verifies that postmaster.pid names this data directory's postmaster on this node, and
  /// signals nothing when it does not. graceful: pg_ctl stop -m fast; forced: pg_ctl stop -m
  /// immediate, then SIGKILL of the verified postmaster and of the server processes working
  /// in the data directory (postmaster_identity.hpp).
  Status stop(const AppContext& app, StopMode mode) noexcept override;
  /// SELECT 1 through libpq (pg_client.hpp).
  Status check(const AppContext& app) noexcept override;

 private:
  HostContext& host_;
};

}  // namespace haven::postgresql
