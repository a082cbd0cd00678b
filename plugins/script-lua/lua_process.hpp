// haven.exec's engine room: runs one program without a shell, in a process group of its
// own, optionally capturing its output, and kills the whole group at the timeout.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace haven::lua {

struct ProcessRequest {
  std::vector<std::string> argv;                     ///< argv[0] is searched in PATH when it has no '/'
  std::optional<std::chrono::milliseconds> timeout;  ///< none: wait as long as it takes
  bool capture = false;                              ///< true: stdout+stderr into ProcessResult::output
};

struct ProcessResult {
  int code = 0;            ///< exit code; 128+N when killed by signal N; 127 when it could not run
  std::string output;      ///< captured stdout+stderr (capture only)
  bool timed_out = false;  ///< killed with its process group at the timeout
  std::string error;       ///< why it could not run, empty otherwise
};

/// Runs the program and waits for it. Never leaves a zombie; a program it started in the
/// background keeps running after it exits (its output is then no longer captured).
ProcessResult run_process(const ProcessRequest& request);

}  // namespace haven::lua
