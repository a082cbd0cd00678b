// Names and directories: getattr, mknod, mkdir, unlink, rmdir, symlink, rename, link, readdir.
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "replication_fs/fs_context.hpp"
#include "replication_fs/operations.hpp"
#include "replication_fs/tree_transfer.hpp"

namespace haven::replication_fs::detail {
namespace {

using replication::Change;
using replication::ChangeKind;

std::string parent_of(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

DIR* dir_of(const fuse_file_info* fi) { return reinterpret_cast<DIR*>(fi->fh); }

// The new object's owner and mode, as created locally: what the secondary must create too.
Change created(ChangeKind kind, const std::string& rel, const struct stat& st) {
  Change change = make_change(kind, rel);
  change.mode = st.st_mode & 07777;
  change.uid = st.st_uid;
  change.gid = st.st_gid;
  change.atime_ns = nanoseconds(st.st_atim);
  change.mtime_ns = nanoseconds(st.st_mtim);
  return change;
}

}  // namespace

int give_to_caller(int lower_fd, const std::string& rel, mode_t mode, bool set_mode) {
  const fuse_context* caller = fuse_get_context();
  struct stat parent {};
  if (fstatat(lower_fd, at(parent_of(rel)), &parent, 0) != 0) return -errno;
  const bool inherit_group = parent.st_mode & S_ISGID;
  const gid_t group = inherit_group ? parent.st_gid : caller->gid;
  struct stat st {};
  if (fstatat(lower_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (st.st_uid != caller->uid || st.st_gid != group) {
    if (fchownat(lower_fd, rel.c_str(), caller->uid, group, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    if (set_mode && fstatat(lower_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  }
  if (!set_mode) return 0;
  if (S_ISDIR(st.st_mode) && inherit_group) mode |= S_ISGID;
  // Our umask, or the chown above (set-ID bits), may have changed it: the caller's mode wins.
  if ((st.st_mode & 07777) != mode && fchmodat(lower_fd, rel.c_str(), mode, 0) != 0) return -errno;
  return 0;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  int rc = fi ? fstat(static_cast<int>(fi->fh), st)
              : fstatat(context().lower_fd, at(relative(path)), st, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

int op_readlink(const char* path, char* buf, size_t size) {
  if (size == 0) return -EINVAL;
  ssize_t n = readlinkat(context().lower_fd, relative(path).c_str(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int op_mknod(const char* path, mode_t mode, dev_t rdev) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    const int lower = batch.fs().lower_fd;
    if (mknodat(lower, rel.c_str(), mode, rdev) != 0) return -errno;
    struct stat st {};
    int rc = give_to_caller(lower, rel, mode & 07777, true);
    if (rc == 0 && fstatat(lower, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) rc = -errno;
    if (rc < 0) {
      unlinkat(lower, rel.c_str(), 0);
      return rc;
    }
    Change change = created(ChangeKind::mknod, rel, st);
    change.mode = st.st_mode;  // the type matters here: fifo, socket, device
    change.rdev = st.st_rdev;
    batch.submit(std::move(change), false);
    return 0;
  });
}

int op_mkdir(const char* path, mode_t mode) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    const int lower = batch.fs().lower_fd;
    if (mkdirat(lower, rel.c_str(), mode) != 0) return -errno;
    struct stat st {};
    int rc = give_to_caller(lower, rel, mode & 07777, true);
    if (rc == 0 && fstatat(lower, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) rc = -errno;
    if (rc < 0) {
      unlinkat(lower, rel.c_str(), AT_REMOVEDIR);
      return rc;
    }
    batch.submit(created(ChangeKind::mkdir, rel, st), true);
    return 0;
  });
}

int op_unlink(const char* path) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    if (unlinkat(batch.fs().lower_fd, rel.c_str(), 0) != 0) return -errno;
    batch.submit(make_change(ChangeKind::unlink, rel), false);
    return 0;
  });
}

int op_rmdir(const char* path) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    if (unlinkat(batch.fs().lower_fd, rel.c_str(), AT_REMOVEDIR) != 0) return -errno;
    batch.submit(make_change(ChangeKind::rmdir, rel), true);
    return 0;
  });
}

int op_symlink(const char* target, const char* path) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    const int lower = batch.fs().lower_fd;
    if (symlinkat(target, lower, rel.c_str()) != 0) return -errno;
    struct stat st {};
    int rc = give_to_caller(lower, rel, 0, false);
    if (rc == 0 && fstatat(lower, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) rc = -errno;
    if (rc < 0) {
      unlinkat(lower, rel.c_str(), 0);
      return rc;
    }
    Change change = created(ChangeKind::symlink, rel, st);
    change.mode = 0;
    change.path2 = target;
    batch.submit(std::move(change), false);
    return 0;
  });
}

// A rename inside the replicated part is one change. Across the <notreplicated> boundary the
// secondary is kept right by removing what left the replicated part and sending what entered it.
int op_rename(const char* from_path, const char* to_path, unsigned int flags) {
  const std::string from = relative(from_path);
  const std::string to = relative(to_path);
  return run_change([&](ChangeBatch& batch) -> int {
    FsContext& fs = batch.fs();
    struct stat from_st {}, to_st {};
    if (fstatat(fs.lower_fd, from.c_str(), &from_st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    const bool to_existed = fstatat(fs.lower_fd, to.c_str(), &to_st, AT_SYMLINK_NOFOLLOW) == 0;
    const bool from_dir = S_ISDIR(from_st.st_mode);
    const bool to_dir = to_existed && S_ISDIR(to_st.st_mode);
    if (renameat2(fs.lower_fd, from.c_str(), fs.lower_fd, to.c_str(), flags) != 0) return -errno;

    const bool exchange = flags & RENAME_EXCHANGE;
    // Each name is judged by what it named before the rename (what the secondary holds).
    const bool from_replicated = fs.filter->replicates(from, from_dir);
    const bool to_replicated = fs.filter->replicates(to, exchange ? to_dir : from_dir);
    const bool to_held_replicated = to_existed && fs.filter->replicates(to, to_dir);
    if (from_replicated && to_replicated && (!exchange || fs.filter->replicates(from, to_dir))) {
      Change change = make_change(ChangeKind::rename, from);
      change.path2 = to;
      change.flags = flags;
      batch.submit(std::move(change), from_dir);
      return 0;
    }
    if (exchange) {
      // `from` now holds what `to` held, and the other way round.
      if (from_replicated) {
        send_removal(batch, to, from);
        send_content(batch, from);
      }
      if (to_held_replicated) {
        send_removal(batch, from, to);
        send_content(batch, to);
      }
      return 0;
    }
    if (from_replicated) send_removal(batch, to, from);
    if (to_replicated) {
      if (to_held_replicated)
        batch.submit(make_change(to_dir ? ChangeKind::rmdir : ChangeKind::unlink, to), to_dir);
      send_content(batch, to);
    }
    return 0;
  });
}

int op_link(const char* from_path, const char* to_path) {
  const std::string from = relative(from_path);
  const std::string to = relative(to_path);
  return run_change([&](ChangeBatch& batch) -> int {
    FsContext& fs = batch.fs();
    if (linkat(fs.lower_fd, from.c_str(), fs.lower_fd, to.c_str(), 0) != 0) return -errno;
    if (!fs.filter->replicates(to, false)) return 0;
    if (fs.filter->replicates(from, false)) {
      Change change = make_change(ChangeKind::link, from);
      change.path2 = to;
      batch.submit(std::move(change), false);
    } else {
      send_content(batch, to);  // the secondary has no `from` to link to
    }
    return 0;
  });
}

int op_statfs(const char*, struct statvfs* st) { return fstatvfs(context().lower_fd, st) == 0 ? 0 : -errno; }

int op_opendir(const char* path, fuse_file_info* fi) {
  int fd = openat(context().lower_fd, at(relative(path)), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  DIR* dir = fdopendir(fd);
  if (!dir) {
    int error = errno;
    close(fd);
    return -error;
  }
  fi->fh = reinterpret_cast<std::uint64_t>(dir);
  return 0;
}

// The whole directory in one pass (offset 0 for every entry): libfuse keeps the listing for
// the open handle, so a directory changing while it is listed is read consistently once.
int op_readdir(const char*, void* buf, fuse_fill_dir_t filler, off_t, fuse_file_info* fi, fuse_readdir_flags) {
  DIR* dir = dir_of(fi);
  rewinddir(dir);
  errno = 0;
  while (dirent* entry = readdir(dir)) {
    struct stat st {};
    st.st_ino = entry->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(entry->d_type));
    if (filler(buf, entry->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) return -ENOMEM;
  }
  return errno == 0 ? 0 : -errno;
}

int op_releasedir(const char*, fuse_file_info* fi) {
  closedir(dir_of(fi));
  return 0;
}

int op_fsyncdir(const char* path, int datasync, fuse_file_info* fi) {
  const int fd = dirfd(dir_of(fi));
  if ((datasync ? fdatasync(fd) : fsync(fd)) != 0) return -errno;
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    Change change = make_change(ChangeKind::fsync, rel);
    change.flags = datasync ? 1 : 0;
    batch.submit(std::move(change), true);
    return 0;
  });
}

}  // namespace haven::replication_fs::detail
