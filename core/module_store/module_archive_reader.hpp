// Reading a `.safe` module archive: extracting it into a folder, or reading one member
// without touching the disk (`haven config check FILE.safe`). Both refuse what
// walk_module_archive refuses (module_archive_walk.hpp), with the same messages.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "haven/result.hpp"
#include "module_store/archive_limits.hpp"

namespace haven {

/// Extracts `archive` into `dest`, an existing empty folder that becomes the module's
/// folder (a wrapping top-level folder in the archive is removed). Files keep their
/// permission bits (never setuid, setgid or sticky; folders keep at least rwx for the
/// owner) and are fsynced, as are the folders, so that a rename of `dest` afterwards is
/// durable. On error `dest` may hold a partial tree: the caller removes it.
Status extract_module_archive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                              const ArchiveLimits& limits = {});

/// The content of `member` ("conf/userconfig.xml": a path relative to the module folder,
/// after a wrapping folder is removed) of `archive`. The whole archive is checked as for an
/// extraction, so an archive that would be refused at install is refused here too.
/// not_found when the archive is valid but has no such regular file.
Result<std::string> read_archive_member(const std::filesystem::path& archive, std::string_view member,
                                        const ArchiveLimits& limits = {});

}  // namespace haven
