// Names of the dated archives a node keeps of its modules, as the seed product names them:
// `M_<date>_<time>.safe` in SAFEVAR/modules/lastconfig (the last applied configurations) and
// SAFEVAR/modules/backup (modules archived at uninstall). Pure: no file is read or written.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace haven {

/// `MODULE_YYYYMMDD_HHMMSS.safe` for `at` in UTC; with `sequence` > 0, `..._HHMMSS_NN.safe`
/// (two digits at least), for a second archive made within the same second. Such names sort
/// by name in the order they were made.
std::string dated_archive_name(const std::string& module, std::chrono::system_clock::time_point at,
                               int sequence = 0);

/// The name a new archive of `module` made at `at` takes among `file_names`: after every
/// archive already made within that second (the highest sequence plus one), so that it is
/// always the newest, even when an older one of that second was rotated away.
std::string next_dated_archive_name(const std::string& module, std::chrono::system_clock::time_point at,
                                    const std::vector<std::string>& file_names);

/// True when `file_name` is one of dated_archive_name(module, ...): a module whose name
/// starts with another's ("app" and "app_2") never claims the other's archives.
bool is_dated_archive_of(const std::string& module, const std::string& file_name);

/// Of `file_names` (any order, any files), the dated archives of `module` to remove so that
/// only the newest `keep` remain, oldest first.
std::vector<std::string> dated_archives_beyond(const std::string& module, std::vector<std::string> file_names,
                                               std::size_t keep);

}  // namespace haven
