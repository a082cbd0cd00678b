// haven SDK: running a program through the host (HostContext::run_process), so that every
// plugin runs programs one way: bounded in time, in a process group of its own, as a given
// user, with its output kept.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace haven {

/// What to run.
struct ProcessRequest {
  /// argv[0] is an absolute path; the others are its arguments.
  std::vector<std::string> argv;
  /// A system user to run as (its groups, HOME, USER and LOGNAME; working directory /);
  /// nullopt: as the caller.
  std::optional<std::string> user;
  /// Past this the process group gets SIGKILL.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  /// Variables of the caller's environment left out when their name starts with one of
  /// these ("PG" keeps PGDATA, PGPORT... from overriding a program's settings).
  std::vector<std::string> drop_env_prefixes;
  /// Variables added or replaced, "NAME=value".
  std::vector<std::string> env;
  /// When set, stdout and stderr are appended to this file (opened by the host, so the user
  /// need not reach its folder; a daemon the program starts inherits it) and `output` stays empty.
  std::filesystem::path output_file;
};

/// What a run gave.
struct ProcessOutcome {
  int exit_code = -1;      ///< the exit code; 128+N after signal N
  bool timed_out = false;  ///< killed with its group at the timeout
  std::string output;      ///< stdout and stderr together, the last 64 KiB
};

}  // namespace haven
