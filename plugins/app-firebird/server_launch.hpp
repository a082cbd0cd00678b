// Starting the SuperServer as the database's user, detached from the caller: the firebird
// program runs in the foreground, and the guardian (fbguard) is not used because it restarts a
// server that dies on its own, against haven's restart policy and a forced stop. The host
// launches it (HostContext::launch_detached), as it runs the programs the plugin waits for.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "haven/application_support.hpp"
#include "haven/process.hpp"
#include "haven/result.hpp"

namespace haven::firebird {

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<UserAccount> find_user(const std::string& name);

/// The request that starts the server through HostContext::launch_detached: `argv` as `user`,
/// its output appended to `log`, without the caller's ISC_* and FIREBIRD* variables (they would
/// change what the server reads and where) and with `env` ("NAME=value") added.
ProcessRequest server_launch_request(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                     const UserAccount& user, const std::filesystem::path& log);

}  // namespace haven::firebird
