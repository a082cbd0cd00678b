// One change to a replicated directory, as the primary sends it to the secondary, and its
// binary encoding. Pure functions: no socket, no file. The decoder is the secondary's first
// line of defence: it refuses any path that could leave the replicated directory.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::replication {

/// Every operation the FUSE layer forwards.
enum class ChangeKind : std::uint8_t {
  write = 1, truncate, create, mknod, unlink, rename, mkdir, rmdir, link, symlink,
  chmod, chown, utimens, setxattr, removexattr, fallocate, fsync
};

/// "write", "truncate", ... for logs.
const char* to_string(ChangeKind kind) noexcept;

/// A change. Which fields matter depends on the kind: `offset`/`length` for write (length =
/// data size), truncate (length = new size) and fallocate; `path2` is the new name of rename
/// and link and the target of symlink; `mode` for create, mknod, mkdir, chmod; `uid`/`gid` for
/// chown; `flags` for rename (RENAME_*), fallocate (mode) and setxattr; `rdev` for mknod;
/// times in ns since the epoch for utimens; `name` and `data` for xattrs; `data` for write.
struct Change {
  ChangeKind kind = ChangeKind::write;
  std::uint64_t sequence = 0;  ///< +1 per change of one stream: the secondary applies them in order
  std::string path;            ///< relative to the replicated directory
  std::string path2;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t flags = 0;
  std::uint64_t rdev = 0;
  std::int64_t atime_ns = 0;
  std::int64_t mtime_ns = 0;
  std::string name;  ///< xattr name
  std::string data;  ///< bytes written, or the xattr value
  bool operator==(const Change&) const = default;
};

inline constexpr std::size_t kMaxChangePath = 4096;
inline constexpr std::size_t kMaxXattrName = 255;
inline constexpr std::size_t kMaxChangeData = 16 * 1024 * 1024;

/// A path the secondary may touch: not empty, relative, no NUL, no "." or ".." component,
/// no empty component (no "a//b"), at most kMaxChangePath bytes. Any other byte is allowed.
bool is_safe_relative_path(const std::string& path) noexcept;

/// The change as bytes: fixed fields little-endian, then path, path2, name, data each with a
/// 32-bit length. Does not validate: the caller's changes come from the kernel.
std::vector<std::byte> encode(const Change& change);

/// Parses one encoded change (exactly these bytes) and checks it: known kind, lengths within
/// bounds and consistent (write: length = data size), safe paths. invalid_argument saying
/// which field is wrong.
Result<Change> decode(std::span<const std::byte> bytes);

}  // namespace haven::replication
