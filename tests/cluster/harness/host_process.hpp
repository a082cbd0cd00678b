// A background process started in a host's namespace (NetnsCluster::spawn).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::cluster {

/// What the handle and the cluster that spawned it share: the pid, and whether it was reaped
/// (so nobody signals a recycled pid).
struct ProcessRecord {
  pid_t pid = -1;            ///< also its process group id
  std::string host;
  std::string command;
  std::optional<int> exit_code;  ///< set once reaped; 128+N when killed by signal N
};

/// Handle on a spawned process. Copies share one record. Not thread-safe: use one thread.
/// The cluster kills every process it spawned at destroy(); the handle may end one sooner.
class HostProcess {
 public:
  HostProcess() = default;
  explicit HostProcess(std::shared_ptr<ProcessRecord> record) : record_(std::move(record)) {}

  pid_t pid() const { return record_ ? record_->pid : -1; }
  /// True while it has not ended (reaps it if it has).
  bool running();
  /// Waits up to `timeout` for it to end; its exit code, or nullopt if it still runs.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  /// Sends `signal` to its whole process group; false when it has already ended.
  bool signal(int signal);
  /// SIGTERM to its group, up to `grace` to end, then SIGKILL; its exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(2));

 private:
  std::shared_ptr<ProcessRecord> record_;
};

/// Starts `argv` through `ip netns exec <netns>` in a process group of its own, with `env`
/// added to this process's environment, stdin from /dev/null, stdout and stderr appended to
/// `log_file` (created with its folder if missing).
Result<std::shared_ptr<ProcessRecord>> spawn_in_netns(const std::string& netns, const std::string& host,
                                                      const std::vector<std::string>& argv,
                                                      const std::map<std::string, std::string>& env,
                                                      const std::filesystem::path& log_file);

/// Stops every process of `records` still running: SIGTERM to each group, up to `grace` for
/// all of them, then SIGKILL; every one is reaped.
void stop_all(const std::vector<std::shared_ptr<ProcessRecord>>& records, std::chrono::milliseconds grace);

}  // namespace haven::cluster
