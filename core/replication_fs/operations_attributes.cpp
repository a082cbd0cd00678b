// Attributes: mode, owner, times, extended attributes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "replication_fs/fs_context.hpp"
#include "replication_fs/operations.hpp"

namespace haven::replication_fs::detail {
namespace {

using replication::Change;
using replication::ChangeKind;

// Extended attributes have no *at calls (before Linux 6.13's setxattrat), so they go through
// the descriptor's /proc name, which resolves to the file underneath, never to the mount.
class XattrTarget {
 public:
  XattrTarget(int lower_fd, const std::string& rel)
      : fd_(openat(lower_fd, at(rel), O_PATH | O_NOFOLLOW | O_CLOEXEC)),
        error_(fd_ < 0 ? errno : 0),
        name_("/proc/self/fd/" + std::to_string(fd_)) {}
  ~XattrTarget() {
    if (fd_ >= 0) close(fd_);
  }
  XattrTarget(const XattrTarget&) = delete;
  XattrTarget& operator=(const XattrTarget&) = delete;
  int error() const { return error_; }
  const char* name() const { return name_.c_str(); }

 private:
  int fd_;
  int error_;
  std::string name_;
};

}  // namespace

int op_chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    int rc = fi ? fchmod(static_cast<int>(fi->fh), mode) : fchmodat(batch.fs().lower_fd, at(rel), mode, 0);
    if (rc != 0) return -errno;
    struct stat open_file {};
    if (fi && !still_named(batch.fs().lower_fd, rel, static_cast<int>(fi->fh), &open_file)) return 0;
    Change change = make_change(ChangeKind::chmod, rel);
    change.mode = mode & 07777;
    batch.submit(std::move(change), std::nullopt);
    return 0;
  });
}

int op_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    int rc = fi ? fchown(static_cast<int>(fi->fh), uid, gid)
                : fchownat(batch.fs().lower_fd, at(rel), uid, gid, AT_SYMLINK_NOFOLLOW);
    if (rc != 0) return -errno;
    struct stat open_file {};
    if (fi && !still_named(batch.fs().lower_fd, rel, static_cast<int>(fi->fh), &open_file)) return 0;
    Change change = make_change(ChangeKind::chown, rel);
    change.uid = uid;  // (uid_t)-1 stays "unchanged" on the secondary too
    change.gid = gid;
    batch.submit(std::move(change), std::nullopt);
    return 0;
  });
}

// UTIME_NOW and UTIME_OMIT would mean other times on the secondary: the times the file has
// here afterwards are what is sent.
int op_utimens(const char* path, const struct timespec tv[2], fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    const int lower = batch.fs().lower_fd;
    struct stat st {};
    if (fi) {
      if (futimens(static_cast<int>(fi->fh), tv) != 0 || fstat(static_cast<int>(fi->fh), &st) != 0) return -errno;
      struct stat open_file {};
      if (!still_named(lower, rel, static_cast<int>(fi->fh), &open_file)) return 0;
    } else {
      if (utimensat(lower, at(rel), tv, AT_SYMLINK_NOFOLLOW) != 0 ||
          fstatat(lower, at(rel), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -errno;
    }
    Change change = make_change(ChangeKind::utimens, rel);
    change.atime_ns = nanoseconds(st.st_atim);
    change.mtime_ns = nanoseconds(st.st_mtim);
    batch.submit(std::move(change), S_ISDIR(st.st_mode));
    return 0;
  });
}

int op_setxattr(const char* path, const char* name, const char* value, size_t size, int flags) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    XattrTarget target(batch.fs().lower_fd, rel);
    if (target.error()) return -target.error();
    if (setxattr(target.name(), name, value, size, flags) != 0) return -errno;
    Change change = make_change(ChangeKind::setxattr, rel);
    change.name = name;
    change.data.assign(value, size);
    change.flags = static_cast<std::uint32_t>(flags);
    batch.submit(std::move(change), std::nullopt);
    return 0;
  });
}

int op_getxattr(const char* path, const char* name, char* value, size_t size) {
  XattrTarget target(context().lower_fd, relative(path));
  if (target.error()) return -target.error();
  ssize_t n = getxattr(target.name(), name, value, size);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_listxattr(const char* path, char* list, size_t size) {
  XattrTarget target(context().lower_fd, relative(path));
  if (target.error()) return -target.error();
  ssize_t n = listxattr(target.name(), list, size);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_removexattr(const char* path, const char* name) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    XattrTarget target(batch.fs().lower_fd, rel);
    if (target.error()) return -target.error();
    if (removexattr(target.name(), name) != 0) return -errno;
    Change change = make_change(ChangeKind::removexattr, rel);
    change.name = name;
    batch.submit(std::move(change), std::nullopt);
    return 0;
  });
}

}  // namespace haven::replication_fs::detail
