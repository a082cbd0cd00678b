// File contents: open, create, read, write, truncate, fallocate, fsync and friends.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "replication_fs/fs_context.hpp"
#include "replication_fs/operations.hpp"

namespace haven::replication_fs::detail {
namespace {

using replication::Change;
using replication::ChangeKind;

constexpr std::size_t kMaxWrite = 1024 * 1024;

// Our descriptor underneath: appends are placed by us under the ordering lock (so the change
// carries the true offset), O_DIRECT would impose the application's alignment on our copies.
int lower_open_flags(int flags) { return (flags & ~(O_APPEND | O_DIRECT | O_NOCTTY)) | O_CLOEXEC | O_NOFOLLOW; }

int fd_of(const fuse_file_info* fi) { return static_cast<int>(fi->fh); }

// Runs `use(fd)` on the open file, or on the path opened for writing when the kernel gave
// no file (truncate(2) on a name).
template <typename Use>
int with_writable_fd(int lower_fd, const std::string& rel, const fuse_file_info* fi, Use&& use) {
  if (fi) return use(fd_of(fi));
  int fd = openat(lower_fd, at(rel), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -errno;
  int rc = use(fd);
  close(fd);
  return rc;
}

int write_data(const char* path, std::string data, off_t offset, fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    const int fd = fd_of(fi);
    if (fi->flags & O_APPEND) {
      struct stat st {};
      if (fstat(fd, &st) != 0) return -errno;
      offset = st.st_size;
    }
    const ssize_t written = pwrite(fd, data.data(), data.size(), offset);
    if (written < 0) return -errno;
    struct stat after {};
    if (written == 0 || !still_named(batch.fs().lower_fd, rel, fd, &after)) return static_cast<int>(written);
    data.resize(static_cast<std::size_t>(written));
    Change change = make_change(ChangeKind::write, rel);
    change.mtime_ns = nanoseconds(after.st_mtim);
    change.offset = static_cast<std::uint64_t>(offset);
    change.length = static_cast<std::uint64_t>(written);
    change.data = std::move(data);
    batch.submit(std::move(change), false);
    return static_cast<int>(written);
  });
}

// Every change of a file passes through this mount, so the kernel's pages of a file stay true
// across opens and need not be dropped at each one (reads of them then never wake this daemon).
// Not for a file with several names: each name is its own kernel inode here, and a write
// through one leaves the other's pages stale until its attributes are refreshed.
void keep_pages_of_single_name(int fd, fuse_file_info* fi) {
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) fi->keep_cache = 1;
}

}  // namespace

int op_open(const char* path, fuse_file_info* fi) {
  const std::string rel = relative(path);
  // Linux truncates on O_TRUNC even with O_RDONLY (POSIX leaves it open): so do we, and say so.
  const bool truncates = fi->flags & O_TRUNC;
  // A fenced mount (this node left the primary role) is read-only from then on.
  if ((fi->flags & O_ACCMODE) != O_RDONLY && context().fenced.load()) return -EROFS;
  if (!truncates) {
    int fd = openat(context().lower_fd, at(rel), lower_open_flags(fi->flags));
    if (fd < 0) return -errno;
    fi->fh = static_cast<std::uint64_t>(fd);
    keep_pages_of_single_name(fd, fi);
    return 0;
  }
  return run_change([&](ChangeBatch& batch) -> int {
    int fd = openat(batch.fs().lower_fd, at(rel), lower_open_flags(fi->flags));
    if (fd < 0) return -errno;
    fi->fh = static_cast<std::uint64_t>(fd);
    Change change = make_change(ChangeKind::truncate, rel);
    stamp_times(batch.fs().lower_fd, change);
    batch.submit(std::move(change), false);
    return 0;
  });
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    const int lower = batch.fs().lower_fd;
    struct stat st {};
    const bool existed = fstatat(lower, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    int fd = openat(lower, rel.c_str(), lower_open_flags(fi->flags) | O_CREAT, mode);
    if (fd < 0) return -errno;
    if (existed) {
      if (fi->flags & O_TRUNC) {
        Change change = make_change(ChangeKind::truncate, rel);
        stamp_times(lower, change);
        batch.submit(std::move(change), false);
      }
    } else {
      int rc = give_to_caller(lower, rel, mode & 07777, true);
      if (rc == 0 && fstat(fd, &st) != 0) rc = -errno;
      if (rc < 0) {
        close(fd);
        unlinkat(lower, rel.c_str(), 0);
        return rc;
      }
      Change change = make_change(ChangeKind::create, rel);
      change.mode = st.st_mode & 07777;
      change.uid = st.st_uid;
      change.gid = st.st_gid;
      change.atime_ns = nanoseconds(st.st_atim);
      change.mtime_ns = nanoseconds(st.st_mtim);
      batch.submit(std::move(change), false);
    }
    fi->fh = static_cast<std::uint64_t>(fd);
    return 0;
  });
}

int op_read(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  ssize_t n = pread(fd_of(fi), buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}

int op_write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  return write_data(path, std::string(buf, size), offset, fi);
}

int op_write_buf(const char* path, fuse_bufvec* in, off_t offset, fuse_file_info* fi) {
  if (in->count == 1 && !(in->buf[0].flags & FUSE_BUF_IS_FD))  // the usual case: one copy, into the change
    return write_data(path, std::string(static_cast<const char*>(in->buf[0].mem), in->buf[0].size), offset, fi);
  std::string data(fuse_buf_size(in), '\0');
  fuse_bufvec out{};
  out.count = 1;
  out.buf[0].size = data.size();
  out.buf[0].flags = static_cast<fuse_buf_flags>(0);
  out.buf[0].mem = data.data();
  out.buf[0].fd = -1;
  const ssize_t copied = fuse_buf_copy(&out, in, static_cast<fuse_buf_copy_flags>(0));
  if (copied < 0) return static_cast<int>(copied);
  data.resize(static_cast<std::size_t>(copied));
  return write_data(path, std::move(data), offset, fi);
}

int op_flush(const char*, fuse_file_info*) { return 0; }

int op_release(const char*, fuse_file_info* fi) {
  close(fd_of(fi));
  return 0;
}

int op_fsync(const char* path, int datasync, fuse_file_info* fi) {
  // An fsync after the fence must not tell the application its data is safe.
  if (context().fenced.load()) return -EROFS;
  // The local flush needs no order (it changes no byte) and may be slow: outside the lock.
  if ((datasync ? fdatasync(fd_of(fi)) : fsync(fd_of(fi))) != 0) return -errno;
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    struct stat open_file {};
    if (!still_named(batch.fs().lower_fd, rel, fd_of(fi), &open_file)) return 0;
    Change change = make_change(ChangeKind::fsync, rel);
    change.flags = datasync ? 1 : 0;
    batch.submit(std::move(change), false);
    return 0;
  });
}

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    int rc = with_writable_fd(batch.fs().lower_fd, rel, fi, [&](int fd) { return ftruncate(fd, size) == 0 ? 0 : -errno; });
    struct stat open_file {};
    if (rc < 0 || (fi && !still_named(batch.fs().lower_fd, rel, fd_of(fi), &open_file))) return rc;
    Change change = make_change(ChangeKind::truncate, rel);
    change.length = static_cast<std::uint64_t>(size);
    stamp_times(batch.fs().lower_fd, change);
    batch.submit(std::move(change), false);
    return 0;
  });
}

int op_fallocate(const char* path, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  const std::string rel = relative(path);
  return run_change([&](ChangeBatch& batch) -> int {
    int rc = with_writable_fd(batch.fs().lower_fd, rel, fi,
                              [&](int fd) { return fallocate(fd, mode, offset, length) == 0 ? 0 : -errno; });
    struct stat open_file {};
    if (rc < 0 || (fi && !still_named(batch.fs().lower_fd, rel, fd_of(fi), &open_file))) return rc;
    Change change = make_change(ChangeKind::fallocate, rel);
    change.offset = static_cast<std::uint64_t>(offset);
    change.length = static_cast<std::uint64_t>(length);
    change.flags = static_cast<std::uint32_t>(mode);
    stamp_times(batch.fs().lower_fd, change);
    batch.submit(std::move(change), false);
    return 0;
  });
}

// Forwarded as what it is to the secondary: a read here and a write there. Short copies are
// allowed (the caller loops), so one call copies at most one write's worth.
ssize_t op_copy_file_range(const char*, fuse_file_info* fi_in, off_t offset_in, const char* path_out,
                           fuse_file_info* fi_out, off_t offset_out, size_t size, int flags) {
  if (flags != 0) return -EINVAL;
  std::string data(std::min(size, kMaxWrite), '\0');
  const ssize_t n = pread(fd_of(fi_in), data.data(), data.size(), offset_in);
  if (n <= 0) return n < 0 ? -errno : 0;
  data.resize(static_cast<std::size_t>(n));
  return write_data(path_out, std::move(data), offset_out, fi_out);
}

off_t op_lseek(const char*, off_t offset, int whence, fuse_file_info* fi) {
  off_t r = lseek(fd_of(fi), offset, whence);
  return r < 0 ? -errno : r;
}

}  // namespace haven::replication_fs::detail
