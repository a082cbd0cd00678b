// Running the programs under test (haven, havend, safekit) as child processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace haven::test {

/// What a finished command printed and how it ended.
struct CommandResult {
  int exit_code = -1;  ///< 128+N when killed by signal N; -1 when it could not run
  std::string out;
  std::string err;
  bool timed_out = false;

  /// "exit N; stdout: ...; stderr: ..." for assertion messages.
  std::string describe() const;
};

/// How to start a child: argv, environment changes, where its output goes.
struct ChildSpec {
  std::vector<std::string> argv;
  std::map<std::string, std::optional<std::string>> env;  ///< nullopt: unset the variable
  std::filesystem::path stdout_file;                      ///< required
  std::filesystem::path stderr_file;                      ///< required
};

/// Starts a child in a process group of its own; -1 when fork failed.
pid_t spawn_child(const ChildSpec& spec);

/// Runs a child to its end (killed with its group after `timeout`) and reads what it printed.
CommandResult run_child(const ChildSpec& spec, std::chrono::milliseconds timeout);

/// Waits up to `timeout` for `pid` to end; its exit status as in CommandResult, or nullopt.
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout);

/// The whole content of a file, empty when it cannot be read.
std::string slurp(const std::filesystem::path& file);

}  // namespace haven::test
