// Runs one of PostgreSQL's programs (pg_ctl, initdb) as the database's user, bounded in
// time: PostgreSQL refuses to run as root, and a hook runs as root.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::postgresql {

/// A system user, resolved from its name.
struct SystemUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<SystemUser> find_user(const std::string& name);

/// What a run gave.
struct ProgramOutput {
  int exit_code = -1;    ///< the exit code, 128+N after signal N
  bool timed_out = false;  ///< killed (its process group) at the deadline
  std::string output;    ///< stdout and stderr together, at most 64 KiB kept (the end)
};

/// Runs argv[0] (an absolute path) with `argv`, stdin from /dev/null, in a process group of
/// its own, as `user` when given (its groups, HOME and USER; working directory /), with the
/// current environment less PG* variables. Past `timeout` the group gets SIGKILL. Returns as
/// soon as the program exits, without waiting for daemons it left behind (a server started
/// by pg_ctl keeps no end of the output pipe: it is closed in the program at exit).
/// With `output_file`, stdout and stderr are appended to that file instead (opened here, so
/// the user need not be able to reach its folder; a server started by pg_ctl inherits it as
/// its log), and `output` stays empty. An error only when it could not be run at all.
Result<ProgramOutput> run_program(const std::vector<std::string>& argv, const std::optional<SystemUser>& user,
                                  std::chrono::milliseconds timeout,
                                  const std::filesystem::path& output_file = {});

}  // namespace haven::postgresql
