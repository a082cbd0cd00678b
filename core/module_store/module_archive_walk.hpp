// Reading a module archive (zip, tar, tar.gz, ...) entry by entry, refusing anything that
// could reach outside the module: every entry is checked before a visitor sees it.
//
// What is refused, each with the archive, the entry and what was expected: absolute names,
// ".." components, links whose target leaves the module (also through other links), entries
// under a link, devices, fifos and sockets, duplicate entries, more than the entry limit,
// more decompressed bytes than the limits, and an archive without conf/userconfig.xml.
// A single top-level folder wrapping conf/ (AM/conf/userconfig.xml) is removed from every
// name. Modes reach the visitor as permission bits only, at most 0755: never setuid, setgid
// or sticky, never writable by group or others. Names are bounded (kMaxEntryComponents,
// kMaxEntryNameBytes) so that checking them costs time and memory linear in their length.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "haven/result.hpp"
#include "module_store/archive_limits.hpp"

namespace haven {

/// The permission bits a module's files and folders may keep.
inline constexpr unsigned kModuleModeMask = 0755u;

/// Receives the entries of an archive that passed the checks, in archive order. Paths are
/// relative to the module folder, '/'-separated, never empty. A parent folder may come
/// after its content or not at all. Returning an error stops the walk with that error.
class ModuleArchiveVisitor {
 public:
  virtual ~ModuleArchiveVisitor() = default;
  virtual Status directory(const std::string& path, unsigned mode) = 0;
  /// A regular file: begin_file, its bytes in chunks, end_file.
  virtual Status begin_file(const std::string& path, unsigned mode) = 0;
  virtual Status file_data(std::string_view chunk) = 0;
  virtual Status end_file() = 0;
  /// `target` is as stored (relative), already known to stay inside the module.
  virtual Status symlink(const std::string& path, const std::string& target) = 0;
  /// `target` is a regular file seen earlier in the walk.
  virtual Status hardlink(const std::string& path, const std::string& target) = 0;
  /// Called once after every entry passed, before the walk returns OK.
  virtual Status finish() = 0;
};

/// Walks `archive` with `visitor`. The archive is read twice: names first (to find a
/// wrapping folder and refuse bad names before anything is written), then the content.
Status walk_module_archive(const std::filesystem::path& archive, const ArchiveLimits& limits,
                           ModuleArchiveVisitor& visitor);

}  // namespace haven
