// `<custom>` checkers: long-running programs of the module's own, which watch what they like
// and set their resource themselves with `haven set -r custom.<ident> -v up|down -m MODULE`.
// haven starts each one when its `when` class turns on, kills it with its children when the
// class turns off (or the module stops), and starts it again, after a growing pause, when it
// exits while it should run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/user_config.hpp"
#include "haven/behaviour.hpp"
#include "haven/result.hpp"
#include "hooks/hook_runner.hpp"

namespace haven::checks {

/// One `<custom ident exec arg when>`, resolved against the module's bin folder.
struct CustomCheckerSpec {
  std::string resource;                 ///< "custom.<ident>"
  std::filesystem::path program;        ///< SAFEUSERBIN/exec
  std::vector<std::string> args;        ///< MODULE RESOURCE [arg...]: how the seed product calls it
  config::ActiveWhen when = config::ActiveWhen::prim;
  int line = 0;                         ///< in userconfig.xml
};

/// The `<custom>` checkers of a module. `exec` must name a file inside `bin_dir` (no absolute
/// path, no "..") that exists; `arg` is split on blanks. The error names userconfig.xml's line,
/// the element and what was expected.
Result<std::vector<CustomCheckerSpec>> plan_custom_checkers(const config::UserConfig& config, const std::string& module,
                                                            const std::filesystem::path& bin_dir);

/// How one run of the program ended.
struct CustomRunEnd {
  int exit_code = 0;        ///< 128+N when killed by signal N; -1 when it could not start
  bool killed = false;      ///< killed by haven (the checker was stopped)
  std::string detail;       ///< why, for the log: "exit code 3", "cannot execute ..."
};

/// Starts the program of `spec` and blocks until it has exited; once `*cancel` becomes true
/// it kills the program with every process it started and returns soon after.
using CustomProgramRunner =
    std::function<CustomRunEnd(const CustomCheckerSpec& spec, std::shared_ptr<const std::atomic<bool>> cancel)>;

/// The pause before starting a program that exited again: `first`, doubled at each exit up to
/// `max`; a run that lasted `stable` or longer starts the count again.
struct RestartBackoff {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds max{30000};
  std::chrono::milliseconds stable{60000};
};

/// Called from a supervisor thread with what happened, for the module log.
using CustomCheckerLog = std::function<void(LogLevel level, const std::string& message)>;

/// One custom checker's program and the thread that keeps it running while it is active.
class CustomCheckerProcess {
 public:
  CustomCheckerProcess(CustomCheckerSpec spec, CustomProgramRunner runner, CustomCheckerLog log,
                       RestartBackoff backoff = {});
  ~CustomCheckerProcess();
  CustomCheckerProcess(const CustomCheckerProcess&) = delete;
  CustomCheckerProcess& operator=(const CustomCheckerProcess&) = delete;

  /// true: starts the program (and keeps it running) unless it already runs. false: kills it
  /// with its children and returns at once: the program's grace to exit is spent on its
  /// supervisor's thread, never on the caller's (the agent's loop). Any thread, one at a time.
  void set_active(bool active);
  /// set_active(false), then waits until every program this object started is gone.
  void stop_and_wait();
  bool active() const;
  /// How many times the program was started since this object exists.
  int starts() const;

  const CustomCheckerSpec& spec() const { return spec_; }

 private:
  void supervise(std::shared_ptr<std::atomic<bool>> cancel, std::shared_ptr<std::atomic<bool>> done);
  // A stopped supervisor, still giving its program its grace to exit.
  struct Retired {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  CustomCheckerSpec spec_;
  CustomProgramRunner runner_;
  CustomCheckerLog log_;
  RestartBackoff backoff_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  std::shared_ptr<std::atomic<bool>> cancel_;  // of the current supervisor; guarded by mutex_
  std::shared_ptr<std::atomic<bool>> done_;    // set by the current supervisor as it ends
  std::vector<Retired> retired_;               // guarded by mutex_
  std::atomic<int> starts_{0};
};

/// Every custom checker of a module, following its state as CheckerRunner does for probes.
class CustomCheckerSet {
 public:
  CustomCheckerSet(std::vector<CustomCheckerSpec> plan, CustomProgramRunner runner, CustomCheckerLog log,
                   RestartBackoff backoff = {});

  /// Starts the checkers whose `when` is on in this state and stops the others. Returns the
  /// resources of the checkers it stopped (the agent sets them back to init).
  std::vector<std::string> follow(ModuleState state, SubState sub);
  /// `haven checker off|on`: off stops every custom checker until on again.
  std::vector<std::string> set_enabled(bool on);
  /// The resources whose programs run now.
  std::vector<std::string> running() const;
  /// Stops every program and waits for them.
  void stop_all();

  const std::vector<std::unique_ptr<CustomCheckerProcess>>& checkers() const { return checkers_; }

 private:
  std::vector<std::string> apply();

  std::vector<std::unique_ptr<CustomCheckerProcess>> checkers_;
  ModuleState state_ = ModuleState::stop;
  SubState sub_ = SubState::not_ready;
  bool on_ = true;
};

/// The runner the agent uses: the program runs as a hook does (HookRunner through haven-hook,
/// so `.sh`, `.lua` and executables all work), in a session of its own with the module's hook
/// environment, its output in the module's user log. `options` lets tests run programs with
/// /bin/sh instead of haven-hook.
CustomProgramRunner hook_program_runner(std::string module, std::map<std::string, std::string> env,
                                        std::filesystem::path user_log, HookRunnerOptions options = {});

}  // namespace haven::checks
