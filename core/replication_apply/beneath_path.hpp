// Opening paths strictly inside a directory: no symbolic link is ever followed and no path
// can lead out of it, whatever another process does to the tree meanwhile. The secondary's
// applier and the tree comparison both stand on this.
#pragma once

#include <string>

#include "haven/result.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::replication {

/// How parents are resolved: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS) when the kernel has it (5.6+), else one O_NOFOLLOW openat per
/// component. `component_walk` forces the fallback (tests prove both).
enum class PathResolution { automatic, component_walk };

/// The folder holding a path's last component, and that component's name.
struct ParentDir {
  UniqueFd owned;    ///< empty when the parent is the base directory itself
  int fd = -1;       ///< owned.get() or the base directory
  std::string name;  ///< the last component: use it with *at() calls that do not follow links
};

/// Opens the parent of `path` (relative, checked with is_safe_relative_path) beneath
/// `dir_fd` as an O_PATH descriptor. errno-style failure: returns the errno (ELOOP or EXDEV
/// when a component is a symbolic link or would leave the directory, ENOENT, ENOTDIR...).
struct ParentResult {
  ParentDir parent;
  int error = 0;
};
ParentResult open_parent_beneath(int dir_fd, const std::string& path, PathResolution resolution);

/// Opens `path` itself beneath `dir_fd` with `flags` (O_NOFOLLOW is always added, so a
/// symbolic link as last component gives ELOOP, or with O_PATH the link itself). Returns
/// the descriptor or -errno.
int open_beneath(int dir_fd, const std::string& path, int flags, PathResolution resolution);

/// "/proc/self/fd/N": reaches the object an O_PATH descriptor holds (the link itself for a
/// symbolic link) for the calls that have no f*() form (setxattr, chmod of an O_PATH fd).
std::string proc_fd_path(int fd);

/// A path with every byte that is not printable ASCII (and the backslash) shown as \xNN,
/// for messages: names may hold any byte.
std::string printable_path(const std::string& path);

}  // namespace haven::replication
