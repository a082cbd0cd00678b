// What a node needs before MariaDB can start on a datadir it has just taken over: the files
// owned by the server's user, the run-time folder and the log.
#pragma once

#include "haven/application.hpp"
#include "haven/result.hpp"
#include "mysql_settings.hpp"
#include "server_launch.hpp"

namespace haven::mysql {

/// The run folder (socket, pid file; made when missing, the user's) and the log file (made
/// when missing, the user's): what a start needs even when prepare did not run.
Status prepare_run_files(const MysqlSettings& settings, const SystemUser& user);

/// Gives every file of the datadir that is not the user's to the user (the numeric owner
/// travels with the replicated files, and user ids may differ between nodes), and does what
/// prepare_run_files does. A read-only copy (the secondary's) is left as it is, and so is a
/// datadir that does not exist yet. Each change is logged in `app`. Errors name the path.
Status prepare_data_folder(const MysqlSettings& settings, const SystemUser& user, const AppContext& app);

}  // namespace haven::mysql
