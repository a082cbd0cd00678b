// Runs one hook in a child process and waits for it: the module agent's way to run
// start_prim, stop_prim and the others.
//
// The child is the per-hook runner `haven-hook` (which loads the script engine for the
// file), in a session (and so a process group) of its own, with exactly the module
// environment, stdin from /dev/null, and stdout and stderr into one pipe. Each line it prints
// is appended to the module's user log, prefixed with the time and the hook's name. Past its
// timeout every process of the session gets SIGTERM, then SIGKILL after a short grace: the
// hook and everything it started, even in process groups of their own (haven.exec).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "hooks/hook_environment.hpp"
#include "hooks/hook_files.hpp"

namespace haven {

/// One hook run, as the agent asks for it.
struct HookSpec {
  std::string module;                                ///< module name, for messages
  std::string hook;                                  ///< "start_prim"
  std::filesystem::path file;                        ///< the script, from find_hook()
  std::vector<std::string> args;                     ///< e.g. {"WAIT", "ALONE", "start"}
  std::map<std::string, std::string> env;            ///< the child's whole environment
  std::optional<std::chrono::milliseconds> timeout;  ///< none: wait as long as it takes
  /// When set and it becomes true, the hook is killed as at a timeout (forcestop during a
  /// start hook). Checked about every 100 ms.
  std::shared_ptr<const std::atomic<bool>> cancel;
  std::filesystem::path user_log;                    ///< appended to; empty: output only kept in the tail
};

/// How a hook ended.
struct HookOutcome {
  int exit_code = 0;         ///< the runner's exit code; 128+N when killed by signal N
  bool cancelled = false;    ///< killed because `cancel` became true
  bool timed_out = false;    ///< killed at the timeout with every process of its session
  std::string output_tail;   ///< its last lines of output (at most HookRunnerOptions::tail_lines)
  std::chrono::milliseconds duration{0};
};

/// How the child is started; the defaults run `haven-hook` beside the running executable.
struct HookRunnerOptions {
  /// The program to exec. Default: executable_dir()/haven-hook.
  std::filesystem::path runner;
  /// false: argv is `runner --hook NAME --file FILE -- ARGS...` (haven-hook).
  /// true: argv is `runner FILE ARGS...`, so that tests can run hooks with /bin/sh directly.
  bool runner_is_interpreter = false;
  /// Between SIGTERM and SIGKILL to the hook's session after a timeout.
  std::chrono::milliseconds kill_grace{2000};
  /// Lines of output kept in HookOutcome::output_tail.
  std::size_t tail_lines = 20;
};

/// Runs hooks, one per call. A runner holds no state between calls; several threads may
/// each use their own.
class HookRunner {
 public:
  HookRunner();
  explicit HookRunner(HookRunnerOptions options);

  /// Runs the hook and blocks until it has exited (or was killed at its timeout) and has
  /// been reaped. A hook that starts a program in the background and exits returns at once:
  /// the background program keeps running and its later output still reaches the user log.
  /// Errors: io_error when the user log, the pipe or the process cannot be made, not_found
  /// when the runner cannot be executed. A hook that fails is not an error: see exit_code.
  Result<HookOutcome> run(const HookSpec& spec) const;

  const HookRunnerOptions& options() const { return options_; }

 private:
  HookRunnerOptions options_;
};

}  // namespace haven
