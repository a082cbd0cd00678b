#include "reintegration/tolerant_apply.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::reintegration {
namespace {

using replication::ChangeKind;

constexpr auto kResolution = replication::PathResolution::automatic;

// 0 when `path` names a node, else the errno of looking it up.
int lookup(int dir_fd, const std::string& path, struct stat* st = nullptr) {
  const int fd = replication::open_beneath(dir_fd, path, O_PATH, kResolution);
  if (fd < 0) return -fd;
  replication::UniqueFd node(fd);
  if (st != nullptr && ::fstat(node.get(), st) != 0) return errno;
  return 0;
}

bool missing(int err) { return err == ENOENT || err == ENOTDIR; }

// What the secondary has there is not yet what reintegration makes of it: nothing, or a
// symbolic link (never followed) where the path needs a folder. Any other failure to look
// (out of descriptors, memory, I/O) is an error, not a reason to drop the change unseen.
bool not_there_yet(int err) { return missing(err) || err == ELOOP || err == EXDEV; }

bool parent_missing(int dir_fd, const std::string& path) {
  auto parent = replication::open_parent_beneath(dir_fd, path, kResolution);
  return missing(parent.error);
}

bool should_skip(int dir_fd, const replication::Change& c) {
  switch (c.kind) {
    case ChangeKind::create: {
      struct stat st {};
      if (lookup(dir_fd, c.path, &st) == 0) return S_ISDIR(st.st_mode);  // reintegration removes that folder first
      return parent_missing(dir_fd, c.path);
    }
    case ChangeKind::write:
    case ChangeKind::truncate:
    case ChangeKind::fallocate: {
      struct stat st {};
      if (const int err = lookup(dir_fd, c.path, &st); err != 0) return not_there_yet(err);
      return !S_ISREG(st.st_mode);
    }
    case ChangeKind::mknod:
    case ChangeKind::symlink:
      return lookup(dir_fd, c.path) == 0 || parent_missing(dir_fd, c.path);
    case ChangeKind::mkdir: {
      struct stat st {};
      if (lookup(dir_fd, c.path, &st) == 0) return true;  // a folder already, or a node reintegration replaces
      return parent_missing(dir_fd, c.path);
    }
    case ChangeKind::removexattr: {
      const int fd = replication::open_beneath(dir_fd, c.path, O_PATH, kResolution);
      if (fd < 0) return true;
      replication::UniqueFd node(fd);
      return ::getxattr(replication::proc_fd_path(node.get()).c_str(), c.name.c_str(), nullptr, 0) < 0 && errno == ENODATA;
    }
    case ChangeKind::unlink:
    case ChangeKind::rmdir: {
      // The primary removed a file (or a folder) where the secondary still has the other kind:
      // what is there is stale, and reintegration replaces it.
      struct stat st {};
      if (const int err = lookup(dir_fd, c.path, &st); err != 0) return missing(err);
      return (c.kind == ChangeKind::unlink) == S_ISDIR(st.st_mode);
    }
    case ChangeKind::rename:
    case ChangeKind::link:
      return missing(lookup(dir_fd, c.path)) || parent_missing(dir_fd, c.path2);
    default:
      return missing(lookup(dir_fd, c.path));
  }
}

}  // namespace

Result<ApplyOutcome> apply_while_reintegrating(replication::Applier& applier, int dir_fd, const replication::Change& change) {
  if (should_skip(dir_fd, change)) return ApplyOutcome::skipped;
  if (auto s = applier.apply(change); !s.ok()) return std::move(s).error();
  return ApplyOutcome::applied;
}

}  // namespace haven::reintegration
