#include "replication_fs/tree_transfer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

namespace haven::replication_fs::detail {
namespace {

using replication::Change;
using replication::ChangeKind;

constexpr std::size_t kChunk = 1024 * 1024;

std::string child_of(const std::string& parent, const char* name) {
  return parent.empty() ? std::string(name) : parent + "/" + name;
}

// The names in a local directory (not . and ..); empty when it cannot be read.
std::vector<std::string> names_in(int lower_fd, const std::string& rel) {
  std::vector<std::string> names;
  int fd = openat(lower_fd, at(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return names;
  DIR* dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return names;
  }
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  return names;
}

std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

void send_xattrs(ChangeBatch& batch, const std::string& rel, bool is_directory) {
  int fd = openat(batch.fs().lower_fd, at(rel), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  const std::string target = proc_path(fd);
  std::string names(65536, '\0');
  ssize_t size = listxattr(target.c_str(), names.data(), names.size());
  for (ssize_t i = 0; i < size;) {
    const std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    std::string value(65536, '\0');
    ssize_t n = getxattr(target.c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) continue;
    value.resize(static_cast<std::size_t>(n));
    Change change = make_change(ChangeKind::setxattr, rel);
    change.name = name;
    change.data = std::move(value);
    batch.submit(std::move(change), is_directory);
  }
  close(fd);
}

void send_times(ChangeBatch& batch, const std::string& rel, const struct stat& st, bool is_directory) {
  Change change = make_change(ChangeKind::utimens, rel);
  change.atime_ns = st.st_atim.tv_sec * 1'000'000'000LL + st.st_atim.tv_nsec;
  change.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
  batch.submit(std::move(change), is_directory);
}

void send_file_data(ChangeBatch& batch, const std::string& rel, const struct stat& st) {
  int fd = openat(batch.fs().lower_fd, rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  off_t offset = 0;
  while (offset < st.st_size) {
    off_t data = lseek(fd, offset, SEEK_DATA);
    if (data < 0) break;  // only a hole is left
    off_t hole = lseek(fd, data, SEEK_HOLE);
    if (hole < 0) hole = st.st_size;
    for (off_t at_offset = data; at_offset < hole;) {
      std::string bytes(std::min<std::size_t>(kChunk, static_cast<std::size_t>(hole - at_offset)), '\0');
      ssize_t n = pread(fd, bytes.data(), bytes.size(), at_offset);
      if (n <= 0) break;
      bytes.resize(static_cast<std::size_t>(n));
      Change change = make_change(ChangeKind::write, rel);
      change.offset = static_cast<std::uint64_t>(at_offset);
      change.length = static_cast<std::uint64_t>(n);
      change.data = std::move(bytes);
      batch.submit(std::move(change), false);
      at_offset += n;
    }
    offset = hole;
  }
  close(fd);
  Change size = make_change(ChangeKind::truncate, rel);
  size.length = static_cast<std::uint64_t>(st.st_size);
  batch.submit(std::move(size), false);
}

}  // namespace

void send_removal(ChangeBatch& batch, const std::string& local_rel, const std::string& remote_rel) {
  struct stat st {};
  if (fstatat(batch.fs().lower_fd, at(local_rel), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    batch.submit(make_change(ChangeKind::unlink, remote_rel), false);
    return;
  }
  if (!batch.fs().filter->replicates(remote_rel, true)) return;
  for (const auto& name : names_in(batch.fs().lower_fd, local_rel))
    send_removal(batch, child_of(local_rel, name.c_str()), child_of(remote_rel, name.c_str()));
  batch.submit(make_change(ChangeKind::rmdir, remote_rel), true);
}

void send_content(ChangeBatch& batch, const std::string& rel) {
  const int lower = batch.fs().lower_fd;
  struct stat st {};
  if (fstatat(lower, at(rel), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  const bool is_directory = S_ISDIR(st.st_mode);
  if (!batch.fs().filter->replicates(rel, is_directory)) return;
  Change change;
  if (is_directory) {
    change = make_change(ChangeKind::mkdir, rel);
    change.mode = st.st_mode & 07777;
  } else if (S_ISREG(st.st_mode)) {
    change = make_change(ChangeKind::create, rel);
    change.mode = st.st_mode & 07777;
  } else if (S_ISLNK(st.st_mode)) {
    std::string target(PATH_MAX, '\0');
    ssize_t n = readlinkat(lower, rel.c_str(), target.data(), target.size());
    if (n < 0) return;
    target.resize(static_cast<std::size_t>(n));
    change = make_change(ChangeKind::symlink, rel);
    change.path2 = std::move(target);
  } else {
    change = make_change(ChangeKind::mknod, rel);
    change.mode = st.st_mode;
    change.rdev = st.st_rdev;
  }
  change.uid = st.st_uid;
  change.gid = st.st_gid;
  batch.submit(std::move(change), is_directory);
  if (S_ISLNK(st.st_mode)) return;
  if (S_ISREG(st.st_mode)) send_file_data(batch, rel, st);
  if (is_directory)
    for (const auto& name : names_in(lower, rel)) send_content(batch, child_of(rel, name.c_str()));
  send_xattrs(batch, rel, is_directory);
  send_times(batch, rel, st, is_directory);
}

}  // namespace haven::replication_fs::detail
