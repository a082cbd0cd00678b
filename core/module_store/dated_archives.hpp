// The dated archives a node keeps of its modules (names in dated_archive_names.hpp):
// SAFEVAR/modules/lastconfig holds the last applied configurations of each module (the
// newest kLastConfigsKept), SAFEVAR/modules/backup every module archived at uninstall.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/haven_paths.hpp"
#include "haven/result.hpp"
#include "module_store/module_store.hpp"

namespace haven {

/// How many applied configurations of a module lastconfig keeps, as the seed product does.
inline constexpr std::size_t kLastConfigsKept = 3;

/// SAFEVAR/modules/lastconfig (the seed's SAFE/modules/lastconfig).
std::filesystem::path lastconfig_dir(const HavenPaths& paths);
/// SAFEVAR/modules/backup (the seed's Application_Modules/backup).
std::filesystem::path module_backup_dir(const HavenPaths& paths);

/// One archive written, and the older ones removed to keep the count.
struct DatedArchive {
  std::filesystem::path file;
  std::vector<std::filesystem::path> removed;
};

/// Packs the installed `module` (ModuleStore::package) into `folder` (made when missing) as
/// dated_archive_name(module, now), with a sequence number when that name is taken; then,
/// with `keep`, removes the oldest archives of the module beyond that many. io_error naming
/// the folder when it cannot be written; not_found when the module is not installed.
Result<DatedArchive> write_dated_module_archive(ModuleStore& store, const std::string& module,
                                                const std::filesystem::path& folder,
                                                std::chrono::system_clock::time_point now,
                                                std::optional<std::size_t> keep);

/// The dated archives of `module` in `folder`, oldest first (empty when there is no folder).
std::vector<std::filesystem::path> dated_module_archives(const std::string& module, const std::filesystem::path& folder);

}  // namespace haven
