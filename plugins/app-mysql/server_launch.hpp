// How the server program is started as the database's user, detached from the caller: mariadbd
// runs in the foreground and has no pg_ctl of its own, so the plugin asks the host to launch it
// (HostContext::launch_detached), as it asks it to run programs it waits for (run_process).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "haven/application_support.hpp"
#include "haven/process.hpp"
#include "haven/result.hpp"

namespace haven::mysql {

/// A system user, resolved from its name (the SDK's UserAccount).
using SystemUser = UserAccount;

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<SystemUser> find_user(const std::string& name);

/// The request that starts the server through HostContext::launch_detached: `argv` as `user`,
/// its output appended to `log`, without the caller's MYSQL* variables (MYSQL_HOME, MYSQL_PWD
/// would change what it reads).
ProcessRequest server_launch_request(const std::vector<std::string>& argv, const SystemUser& user,
                                     const std::filesystem::path& log);

}  // namespace haven::mysql
