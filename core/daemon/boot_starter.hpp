// Starting modules when havend starts after a node boot: tells a boot from a restart of
// havend by the kernel's boot id, plans with boot_start.hpp, and starts each planned module
// after its boot_delay through havend's own request path, as `haven start -m M` would (so
// hooks, checkers and the start rules behave the same). Every start, refusal and failure is
// written to havend's log and the module's log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "control/control_message.hpp"
#include "daemon/agent_supervisor.hpp"
#include "daemon/boot_start.hpp"
#include "haven/log.hpp"

namespace haven {

class BootStarter {
 public:
  /// Carries out a request as havend does for a client (NodeDaemon's dispatch).
  using Dispatch = std::function<ControlResponse(const ControlRequest&)>;

  BootStarter(HavenPaths paths, std::shared_ptr<spdlog::logger> log);
  /// stop().
  ~BootStarter();
  BootStarter(const BootStarter&) = delete;
  BootStarter& operator=(const BootStarter&) = delete;

  /// Called once, when havend serves its socket and has taken over the agents still running
  /// (`running`). Records the boot id; after a node boot, starts the modules the plan names,
  /// each on a thread of its own once its delay has passed since this call. Returns at once.
  void begin(const std::vector<AgentProcess>& running, Dispatch dispatch);

  /// Cancels the starts still waiting for their delay and joins the threads (a start already
  /// sent is answered first). Safe to call twice.
  void stop();

 private:
  /// node_boot or daemon_restart, after recording the current boot id; nullopt (logged) when
  /// the boot id cannot be read: then nothing is started.
  std::optional<DaemonStart> classify_and_record();
  std::vector<ModuleBootFacts> installed_modules(const std::vector<AgentProcess>& running);
  void start_after_delay(PlannedBootStart planned, std::chrono::steady_clock::time_point due, Dispatch dispatch);
  /// Waits for the started module to settle (as `haven start` does) and logs a start that
  /// ended in STOP, with the reason the module gives.
  void watch_outcome(const PlannedBootStart& planned, const Dispatch& dispatch);
  /// Sleeps until `until` or stop(); false when stopped.
  bool sleep_until(std::chrono::steady_clock::time_point until);
  /// One line in the module's module.log and verbose.log, as the agent writes its own.
  void module_log(const std::string& module, LogLevel level, const std::string& text);

  HavenPaths paths_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> starts_;
};

}  // namespace haven
