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

}  // namespace haven::mysql
