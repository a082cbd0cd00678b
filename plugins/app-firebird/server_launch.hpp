// Starting the SuperServer as the database's user, detached from the caller: the firebird
// program runs in the foreground, and the guardian (fbguard) is not used because it restarts a
// server that dies on its own, against haven's restart policy and a forced stop. Programs the
// plugin runs and waits for go through HostContext::run_process instead.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "haven/application_support.hpp"
#include "haven/result.hpp"

namespace haven::firebird {

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<UserAccount> find_user(const std::string& name);

/// Starts argv[0] (absolute) with `argv` as `user` (its groups, HOME, USER; working directory
/// /), in a session of its own and not a child of the caller (a double fork: nobody has to reap
/// it, and a hook's process group being killed leaves it running), stdin from /dev/null, stdout
/// and stderr appended to `log` (opened here, as the caller), without the caller's ISC_* and
/// FIREBIRD* variables and with `env` ("NAME=value") added. Returns the server's pid. An error
/// only when it could not be started at all; a server that exits at once is the caller's to
/// notice.
Result<pid_t> launch_detached(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                              const UserAccount& user, const std::filesystem::path& log);

}  // namespace haven::firebird
