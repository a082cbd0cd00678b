// Starting the server program as the database's user, detached from the caller: mariadbd runs
// in the foreground and has no pg_ctl of its own, so this is the one launcher the plugin keeps
// (programs it runs and waits for, such as systemctl, go through HostContext::run_process).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "haven/application_support.hpp"
#include "haven/result.hpp"

namespace haven::mysql {

/// A system user, resolved from its name (the SDK's UserAccount).
using SystemUser = UserAccount;

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<SystemUser> find_user(const std::string& name);

/// Starts argv[0] (absolute) with `argv` as `user` (its groups, HOME, USER; working directory
/// /), in a session of its own and not a child of the caller (a double fork: nobody has to reap
/// it, and a hook's process group being killed leaves it running), stdin from /dev/null, stdout
/// and stderr appended to `log` (opened here, as the caller, so the user need not reach its
/// folder), without the caller's MYSQL* variables. Returns the server's pid. An error only when
/// it could not be started at all; a server that exits at once is the caller's to notice.
Result<pid_t> launch_detached(const std::vector<std::string>& argv, const SystemUser& user,
                              const std::filesystem::path& log);

/// Not the plugin's: it runs programs through HostContext::run_process. Runs argv[0]
/// (absolute) as the caller and waits up to `timeout`: the exit code (128+N after signal N),
/// stdout and stderr in `output`. Kept for the MariaDB test pair in tests/cluster_failover,
/// which calls it; defined over the host's runner (core/common/process_runner) in
/// tests/integration/app_mysql/mysql_run_and_wait.cpp and linked into the haven_app_mysql
/// test library only, never into the plugin. New code calls haven::run_process.
Result<int> run_and_wait(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, std::string& output);

}  // namespace haven::mysql
