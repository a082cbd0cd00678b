// The interpreter's edge to the operating system for programs: finding them, running them,
// sleeping. Tests put a recording fake behind it; PosixBatchSystem is the real one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::cmd {

struct ProcessRequest {
  std::string program;                   ///< path to execute (found by find_program)
  std::vector<std::string> argv;         ///< argv[0] included
  std::vector<std::string> environment;  ///< "NAME=value"
  std::string cwd;
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
};

class BatchSystem {
 public:
  virtual ~BatchSystem() = default;

  /// Where `name` would run from: a name holding '/' is checked as it is (relative to cwd);
  /// a bare name is searched in each directory of `path_variable` (':'-separated). nullopt
  /// when no executable regular file is there.
  virtual std::optional<std::string> find_program(const std::string& name, const std::string& path_variable,
                                                  const std::string& cwd) = 0;

  /// Runs the program to its end. Returns its exit code, 128+N when signal N killed it; an
  /// error only when it could not be started at all (the message says why).
  virtual Result<int> run(const ProcessRequest& request) = 0;

  /// Waits, for `timeout /t N` and the seed's sleep helper.
  virtual void sleep_seconds(long long seconds) = 0;
};

/// fork + execve, waiting with waitpid; the child stays in the runner's process group so a
/// hook timeout kills it too.
class PosixBatchSystem final : public BatchSystem {
 public:
  std::optional<std::string> find_program(const std::string& name, const std::string& path_variable,
                                          const std::string& cwd) override;
  Result<int> run(const ProcessRequest& request) override;
  void sleep_seconds(long long seconds) override;
};

}  // namespace haven::cmd
