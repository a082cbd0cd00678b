// Compares two directory trees by everything replication must carry: what `rfsverify`,
// `rfsdiff` and every tree-equality test stand on.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::replication {

enum class DifferenceKind {
  only_in_a,       ///< the path exists in the first tree only
  only_in_b,       ///< the path exists in the second tree only
  type,            ///< file, folder, link, FIFO, socket, device: not the same (nothing else is compared then)
  mode,            ///< permission bits (07777); not compared for symbolic links
  owner,           ///< uid or gid
  mtime,           ///< modification time, to the nanosecond
  size,            ///< regular files
  contents,        ///< same size, other bytes
  symlink_target,  ///< symbolic links
  device,          ///< device number of a character or block device
  xattrs,          ///< extended attributes: names or values
  hard_links,      ///< the names sharing this node's inode within the tree are not the same
};

/// "only_in_a", "mode", ...
const char* to_string(DifferenceKind kind) noexcept;

struct TreeDifference {
  std::string path;  ///< relative to both roots; any bytes
  DifferenceKind kind = DifferenceKind::contents;
  std::string detail;  ///< both sides' values, for people
  bool operator==(const TreeDifference&) const = default;
};

struct TreeComparisonOptions {
  bool owner = true;
  /// mtime of everything but folders.
  bool mtime = true;
  /// A folder's mtime moves with every entry made in it: replication carries it only when
  /// the primary sends utimens for the folder, so it is off by default.
  bool directory_mtime = false;
  bool xattrs = true;
  bool contents = true;
  bool hard_links = true;
};

/// Walks both trees (never following a symbolic link, nothing read through one) and returns
/// every difference, sorted by path then kind; empty when equal. The roots themselves are not
/// compared, only what they hold. io_error naming the tree and the path when one cannot be read.
Result<std::vector<TreeDifference>> compare_trees(const std::filesystem::path& a, const std::filesystem::path& b,
                                                  const TreeComparisonOptions& options = {});

/// The same on two open folders (descriptors borrowed).
Result<std::vector<TreeDifference>> compare_trees(int dir_a, int dir_b, const TreeComparisonOptions& options = {});

/// "mode of 'db/base.dat': a 0644, b 0600".
std::string describe(const TreeDifference& difference);

}  // namespace haven::replication
