#include "replication_fs/fs_context.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#define FUSE_USE_VERSION 312
#include <fuse.h>

namespace haven::replication_fs::detail {

FsContext& context() { return *static_cast<FsContext*>(fuse_get_context()->private_data); }

std::string relative(const char* fuse_path) {
  while (*fuse_path == '/') ++fuse_path;
  return fuse_path;
}

replication::Change make_change(replication::ChangeKind kind, std::string path) {
  replication::Change change;
  change.kind = kind;
  change.path = std::move(path);
  return change;
}

bool still_named(int lower_fd, const std::string& rel, int fd, struct stat* open_file) {
  struct stat named {};
  if (fstat(fd, open_file) != 0 || open_file->st_nlink == 0) return false;
  if (fstatat(lower_fd, at(rel), &named, AT_SYMLINK_NOFOLLOW) != 0) return false;
  return named.st_ino == open_file->st_ino && named.st_dev == open_file->st_dev;
}

std::int64_t nanoseconds(const timespec& t) { return t.tv_sec * 1'000'000'000LL + t.tv_nsec; }

void stamp_times(int lower_fd, replication::Change& change, bool with_atime) {
  struct stat st {};
  if (fstatat(lower_fd, at(change.path), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  change.mtime_ns = nanoseconds(st.st_mtim);
  if (with_atime) change.atime_ns = nanoseconds(st.st_atim);
}

void ChangeBatch::submit(replication::Change change, std::optional<bool> is_directory) {
  if (change.path.empty()) return;
  if (!is_directory && fs_.filter->depends_on_type()) {
    struct stat st {};
    is_directory = fstatat(fs_.lower_fd, change.path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
  }
  if (!fs_.filter->replicates(change.path, is_directory.value_or(false))) return;
  tickets_.push_back(fs_.sink->submit(std::move(change)));
}

bool ChangeBatch::wait_all() {
  bool safe = true;
  for (auto ticket : tickets_)
    if (!fs_.sink->wait(ticket)) safe = false;
  tickets_.clear();
  return safe;
}

}  // namespace haven::replication_fs::detail
