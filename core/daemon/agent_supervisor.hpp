// Starts one agent process per running module and watches it.
//
// A crashed agent is a failure of its module only: the supervisor notices (waitpid),
// logs it and cleans up what the agent held, and the node goes on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "haven/result.hpp"

namespace haven {

/// A running agent.
struct AgentProcess {
  std::string module;
  pid_t pid = -1;
  std::chrono::system_clock::time_point started;
  bool adopted = false;  ///< started by an earlier havend: watched by polling, not waitpid
};

class AgentSupervisor {
 public:
  AgentSupervisor(HavenPaths paths, std::string node, std::shared_ptr<spdlog::logger> log);
  ~AgentSupervisor();
  AgentSupervisor(const AgentSupervisor&) = delete;
  AgentSupervisor& operator=(const AgentSupervisor&) = delete;

  /// The agent of `module`, started if it is not running, once its control socket answers.
  /// The error says why it did not come up, with the last lines it printed.
  Result<AgentProcess> ensure_running(const std::string& module);

  /// The running agent of `module`, if any.
  std::optional<AgentProcess> find(const std::string& module) const;
  std::vector<AgentProcess> running() const;

  /// Waits up to `timeout` for the agent of `module` to exit; true when it did.
  bool wait_exit(const std::string& module, std::chrono::milliseconds timeout);

  /// Takes over the agents an earlier havend left running (their sockets still answer),
  /// and removes the sockets of agents that died meanwhile. Called once at start.
  void adopt_running_agents();

  /// Stops reaping; kills nothing (agents keep their modules running until told otherwise).
  void shutdown();

 private:
  void reap_loop();
  void on_exit(pid_t pid, int status);
  void check_adopted();
  Result<pid_t> spawn(const std::string& module, bool after_crash = false);
  void start_crash_cleanup(const std::string& module);
  bool wait_cleanup(const std::string& module, std::chrono::milliseconds timeout);

  HavenPaths paths_;
  std::string node_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mu_;
  std::condition_variable exited_;
  std::map<std::string, AgentProcess> agents_;
  std::map<pid_t, std::string> cleanups_;  // `haven-agent --after-crash` runs, by pid
  std::mutex start_mu_;  // one start at a time, so two clients never start two agents
  bool stopping_ = false;
  std::thread reaper_;
};

/// Where an agent's own stdout and stderr go (crash messages, sanitizer reports).
std::filesystem::path agent_output_file(const HavenPaths& paths, const std::string& module);

}  // namespace haven
