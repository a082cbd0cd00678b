// The secondary's side of replication: applies each change the primary sends into the
// directory underneath, never following a symbolic link and never leaving that directory,
// whatever the names in the change or the links already in the tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "replication/change_message.hpp"
#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::replication {

/// Conventions of the Change fields the applier relies on (the FUSE layer fills them):
/// - utimens: a time equal to kTimeOmit is left as it is (UTIME_OMIT); UTIME_NOW must be
///   resolved by the primary to the time it actually set.
/// - write, truncate, fallocate: a non-zero mtime_ns is the primary's resulting mtime, set
///   after the change (so the secondary's copy does not carry its own clock); 0 leaves it.
/// - create, mknod, mkdir, symlink: uid/gid are the new node's owner (kKeepOwner leaves the
///   applier's), and a non-zero atime_ns/mtime_ns its times.
/// - chown: kKeepOwner (= (uid_t)-1) leaves that id unchanged, as chown(2) does.
/// - fsync: flags & kFsyncDataOnly means fdatasync; the path may name a folder.
/// - rename: flags are renameat2's (RENAME_NOREPLACE, RENAME_EXCHANGE); setxattr: XATTR_CREATE
///   or XATTR_REPLACE; fallocate: fallocate(2)'s mode.
inline constexpr std::int64_t kTimeOmit = std::numeric_limits<std::int64_t>::min();
inline constexpr std::uint32_t kKeepOwner = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint32_t kFsyncDataOnly = 1;

struct ApplierOptions {
  PathResolution resolution = PathResolution::automatic;
  /// Files kept open between consecutive writes; all are closed on rename, unlink, rmdir.
  std::size_t max_open_files = 16;
  /// Off: set-uid bits, and set-gid bits on anything but a folder, are cleared from every
  /// mode the primary sends (<rfs setid="on"> keeps them). A set-uid-root program inert on
  /// the primary's nosuid mount must not become one on the secondary.
  bool keep_setid = false;
  /// Off: a character or block device sent by the primary becomes an empty regular file with
  /// no permissions, owned as sent (<rfs devices="on"> creates the device).
  bool keep_devices = false;
  /// Told each time a mode or a device was withheld that way: the change and what was withheld.
  std::function<void(const Change&, const char* withheld)> on_withheld;
};

/// Applies changes to one replicated directory. Not thread-safe: one applier per stream,
/// fed in sequence order. The directory descriptor is borrowed and must outlive it.
class Applier {
 public:
  explicit Applier(int dir_fd, ApplierOptions options = {});
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  /// Applies one change. On failure nothing else is tried: io_error naming the change (kind,
  /// sequence, path) and the system's error; refused when the path would leave the directory
  /// or go through a symbolic link; invalid_argument for a change that cannot be right (an
  /// unsafe path, a write to something that is not a regular file).
  [[nodiscard]] Status apply(const Change& change);

  /// Closes the files kept open (before the directory is handed to something else).
  void close_open_files() { open_files_.clear(); }

 private:
  struct OpenFile {
    std::string path;
    UniqueFd fd;
  };

  Status apply_write(const Change& c);
  Status apply_truncate(const Change& c);
  Status apply_fallocate(const Change& c);
  Status apply_fsync(const Change& c);
  Status apply_create(const Change& c);
  Status apply_mknod(const Change& c);
  Status apply_mkdir(const Change& c);
  Status apply_symlink(const Change& c);
  Status apply_unlink(const Change& c, bool directory);
  Status apply_rename(const Change& c);
  Status apply_link(const Change& c);
  Status apply_chmod(const Change& c);
  Status apply_chown(const Change& c);
  Status apply_utimens(const Change& c);
  Status apply_xattr(const Change& c);

  Result<ParentDir> parent_of(const Change& c, const std::string& path);
  /// An O_PATH descriptor of the node itself (a symbolic link stays a link).
  Result<UniqueFd> node_of(const Change& c);
  /// A cached read-write descriptor of the regular file the change names.
  Result<int> writable_file(const Change& c);
  Status set_new_node_attributes(const Change& c, const ParentDir& parent, int fd);
  /// The permission bits of `c.mode` this applier may set on a node of type `type` (S_IFMT bits).
  mode_t permitted_mode(const Change& c, mode_t type);
  Status set_mtime(const Change& c, int fd);

  int dir_fd_;
  ApplierOptions options_;
  std::vector<OpenFile> open_files_;  // most recently used last
};

/// "write #42 of 'db/base.dat'", "rename #7 of 'a' to 'b'": how errors name a change.
std::string describe_change(const Change& change);

}  // namespace haven::replication
