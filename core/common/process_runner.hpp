// The host's one way to run a program for a plugin (HostContext::run_process): a process
// group of its own, stdin from /dev/null, as a given user, killed with its group at the
// timeout, its output kept.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "haven/process.hpp"
#include "haven/result.hpp"

namespace haven {

/// A system user, resolved from its name.
struct SystemUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<SystemUser> find_system_user(const std::string& name);

/// A request for argv as `user` (nullopt: as the caller), bounded by `timeout`, with the
/// caller's PG* variables left out; output to `output_file` when not empty.
ProcessRequest process_request(std::vector<std::string> argv, std::optional<std::string> user,
                               std::chrono::milliseconds timeout, std::filesystem::path output_file = {});

/// Runs the request (process.hpp says what each field does). Errors: invalid_argument for an
/// empty or relative argv[0], not_found for an unknown user, io_error when the output file,
/// the pipe or the process cannot be made.
Result<ProcessOutcome> run_process(const ProcessRequest& request);

/// Starts the request's program and returns its pid at once (HostContext::launch_detached):
/// in a session of its own and nobody's child (a double fork), stdin from /dev/null, output
/// appended to output_file (/dev/null when empty), every signal at its default; `timeout`
/// is not used. Errors as run_process, when it could not be started at all.
Result<pid_t> launch_detached(const ProcessRequest& request);

}  // namespace haven
