// The files of one Firebird instance on this node: its run folder (firebird.conf,
// databases.conf and plugins.conf, which FIREBIRD names; the lock folder FIREBIRD_LOCK; the
// pid file) and its log, none of them replicated; and the ownership of the data folder, which is.
#pragma once

#include "firebird_settings.hpp"
#include "haven/application.hpp"
#include "haven/application_support.hpp"
#include "haven/result.hpp"

namespace haven::firebird {

/// Makes the run folder (0755) and its lock folder (0770, the user's), writes the instance's
/// firebird.conf (with the "config" file's lines), databases.conf and a copy of plugins_conf
/// there (0644; replaced atomically), copies the installed character sets' module into intl/
/// (find_install_dir: the server looks for it under its root, which FIREBIRD moves here),
/// and makes the log (the user's): what a start needs even when prepare did not run. Errors
/// name the file.
Status write_instance_files(const FirebirdSettings& settings, const UserAccount& user);

/// Gives every file of the data folder that is not the user's to the user (the numeric owner
/// travels with the replicated files, and user ids may differ between nodes), and does what
/// write_instance_files does. A read-only copy (the secondary's) is left as it is, and so is a
/// data folder that does not exist yet. Each change is logged in `app`. Errors name the path.
Status prepare_instance(const FirebirdSettings& settings, const UserAccount& user, const AppContext& app);

}  // namespace haven::firebird
