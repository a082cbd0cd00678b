// The "firebird" application kind: prepare, start, stop and check one Firebird 3 SuperServer of
// the module's own (the firebird program run as the firebird user with its own configuration,
// lock folder and port, on the module's data folder), through the server program and
// libfbclient. README.md lists the settings.
#pragma once

#include <string>

#include "haven/application.hpp"
#include "haven/host_context.hpp"

namespace haven::firebird {

class FirebirdApplication final : public Application {
 public:
  /// `host` logs what the object cannot say through a call's AppContext; it outlives this.
  explicit FirebirdApplication(HostContext& host) : host_(host) {}

  /// "firebird".
  std::string kind() const override { return "firebird"; }
  /// Ownership of the data folder, the instance's run folder and files, the log (instance_files.hpp).
  Status prepare(const AppContext& app) noexcept override;
  /// Writes the instance's configuration, starts the server program as the user, detached,
  /// and waits until SELECT 1 answers. A pid file naming no server of this data folder is
  /// removed first. Refused when the security database is missing.
  Status start(const AppContext& app) noexcept override;
  /// Signals only a process verified to be this data folder's server (server_identity.hpp),
  /// found through the pid file or the host's process facts; nothing when there is none.
  /// graceful: SIGTERM (the server's clean shutdown) and a wait of up to stop_timeout, then
  /// SIGKILL with a warning when it is still there (Firebird 3 may lose a SIGTERM for good, and
  /// its own guardian kills it likewise); forced: SIGKILL.
  Status stop(const AppContext& app, StopMode mode) noexcept override;
  /// SELECT 1 FROM RDB$DATABASE through libfbclient (firebird_client.hpp).
  Status check(const AppContext& app) noexcept override;

 private:
  HostContext& host_;
};

}  // namespace haven::firebird
