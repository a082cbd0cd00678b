// What a node needs before PostgreSQL can start on a data directory it has just taken over:
// the files owned by the server's user, the directory closed to others, the run-time folders.
#pragma once

#include "haven/application.hpp"
#include "haven/result.hpp"
#include "postgresql_settings.hpp"
#include "system_user.hpp"

namespace haven::postgresql {

/// The socket folder (made when missing) and the log file, the user's: what a start needs
/// even when prepare did not run.
Status prepare_run_files(const PostgresSettings& settings, const SystemUser& user);

/// Gives every file of the data directory that is not the user's to the user (the numeric
/// owner travels with the replicated files, and user ids may differ between nodes), sets the
/// directory's mode to 0700 when it is open to others (the server refuses to start
/// otherwise), and does what prepare_run_files does. A read-only copy (the secondary's) is
/// left as it is, and so is a data directory that does not exist yet (the secondary's,
/// before its first reintegration). Each change is logged in `app`. Errors name the path.
Status prepare_data_folder(const PostgresSettings& settings, const SystemUser& user, const AppContext& app);

}  // namespace haven::postgresql
