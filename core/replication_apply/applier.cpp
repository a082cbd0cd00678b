#include "replication_apply/applier.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace haven::replication {
namespace {

Error system_error(const Change& c, const std::string& step, int err) {
  // A link in the way or a path out of the directory is refused, never followed.
  const bool escape = err == ELOOP || err == EXDEV;
  return fail(escape ? Errc::refused : Errc::io_error,
              "cannot apply " + describe_change(c) + " in the replicated directory: " + step + ": " +
                  std::strerror(err) + " (errno " + std::to_string(err) + ")" +
                  (escape ? "; a symbolic link or a path leaving the directory is never followed" : ""));
}

Error invalid(const Change& c, const std::string& why) {
  return fail(Errc::invalid_argument, "cannot apply " + describe_change(c) + ": " + why);
}

timespec to_timespec(std::int64_t ns) {
  if (ns == kTimeOmit) return {0, UTIME_OMIT};
  auto sec = ns / 1'000'000'000;
  auto nsec = ns % 1'000'000'000;
  if (nsec < 0) {
    nsec += 1'000'000'000;
    --sec;
  }
  return {static_cast<time_t>(sec), static_cast<long>(nsec)};
}

bool is_path_change(ChangeKind k) {
  return k == ChangeKind::unlink || k == ChangeKind::rmdir || k == ChangeKind::rename;
}

}  // namespace

std::string describe_change(const Change& c) {
  std::string out = std::string(to_string(c.kind)) + " #" + std::to_string(c.sequence) + " of '" + printable_path(c.path) + "'";
  if (c.kind == ChangeKind::rename || c.kind == ChangeKind::link) out += " to '" + printable_path(c.path2) + "'";
  if (c.kind == ChangeKind::symlink) out += " pointing to '" + printable_path(c.path2) + "'";
  if (c.kind == ChangeKind::setxattr || c.kind == ChangeKind::removexattr) out += " (attribute " + printable_path(c.name) + ")";
  return out;
}

Applier::Applier(int dir_fd, ApplierOptions options) : dir_fd_(dir_fd), options_(options) {}

Status Applier::apply(const Change& c) {
  // The decoder checked already; a second check here costs nothing and keeps the applier
  // safe for any other caller.
  if (!is_safe_relative_path(c.path)) return invalid(c, "the path is empty, absolute, or has '.', '..' or an empty part");
  if ((c.kind == ChangeKind::rename || c.kind == ChangeKind::link) && !is_safe_relative_path(c.path2))
    return invalid(c, "the second path is empty, absolute, or has '.', '..' or an empty part");
  if (is_path_change(c.kind)) open_files_.clear();
  switch (c.kind) {
    case ChangeKind::write: return apply_write(c);
    case ChangeKind::truncate: return apply_truncate(c);
    case ChangeKind::create: return apply_create(c);
    case ChangeKind::mknod: return apply_mknod(c);
    case ChangeKind::unlink: return apply_unlink(c, false);
    case ChangeKind::rename: return apply_rename(c);
    case ChangeKind::mkdir: return apply_mkdir(c);
    case ChangeKind::rmdir: return apply_unlink(c, true);
    case ChangeKind::link: return apply_link(c);
    case ChangeKind::symlink: return apply_symlink(c);
    case ChangeKind::chmod: return apply_chmod(c);
    case ChangeKind::chown: return apply_chown(c);
    case ChangeKind::utimens: return apply_utimens(c);
    case ChangeKind::setxattr:
    case ChangeKind::removexattr: return apply_xattr(c);
    case ChangeKind::fallocate: return apply_fallocate(c);
    case ChangeKind::fsync: return apply_fsync(c);
  }
  return invalid(c, "unknown kind " + std::to_string(static_cast<int>(c.kind)));
}

Result<ParentDir> Applier::parent_of(const Change& c, const std::string& path) {
  auto r = open_parent_beneath(dir_fd_, path, options_.resolution);
  if (r.error != 0) return system_error(c, "open the folder holding '" + printable_path(path) + "'", r.error);
  return std::move(r.parent);
}

Result<UniqueFd> Applier::node_of(const Change& c) {
  const int fd = open_beneath(dir_fd_, c.path, O_PATH, options_.resolution);
  if (fd < 0) return system_error(c, "open", -fd);
  return UniqueFd(fd);
}

Result<int> Applier::writable_file(const Change& c) {
  auto hit = std::find_if(open_files_.begin(), open_files_.end(), [&](const OpenFile& f) { return f.path == c.path; });
  if (hit != open_files_.end()) {
    std::rotate(hit, hit + 1, open_files_.end());
    return open_files_.back().fd.get();
  }
  // O_PATH first and a type check before opening for real: opening a device or a FIFO the
  // tree happens to hold could block or have side effects.
  auto node = node_of(c);
  if (!node.ok()) return std::move(node).error();
  struct stat st {};
  if (::fstat(node->get(), &st) != 0) return system_error(c, "stat", errno);
  if (!S_ISREG(st.st_mode)) return invalid(c, "it is not a regular file on the secondary (mode " + std::to_string(st.st_mode) + ")");
  const int fd = ::open(proc_fd_path(node->get()).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return system_error(c, "open for writing", errno);
  if (open_files_.size() >= std::max<std::size_t>(1, options_.max_open_files)) open_files_.erase(open_files_.begin());
  open_files_.push_back({c.path, UniqueFd(fd)});
  return fd;
}

Status Applier::set_mtime(const Change& c, int fd) {
  if (c.mtime_ns == 0) return ok_status();
  const timespec times[2] = {{0, UTIME_OMIT}, to_timespec(c.mtime_ns)};
  if (::futimens(fd, times) != 0) return system_error(c, "set the modification time", errno);
  return ok_status();
}

Status Applier::apply_write(const Change& c) {
  auto fd = writable_file(c);
  if (!fd.ok()) return std::move(fd).error();
  std::size_t done = 0;
  while (done < c.data.size()) {
    const ssize_t n = ::pwrite(*fd, c.data.data() + done, c.data.size() - done, static_cast<off_t>(c.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return system_error(c, "write " + std::to_string(c.data.size()) + " bytes at offset " + std::to_string(c.offset), errno);
    done += static_cast<std::size_t>(n);
  }
  return set_mtime(c, *fd);
}

Status Applier::apply_truncate(const Change& c) {
  auto fd = writable_file(c);
  if (!fd.ok()) return std::move(fd).error();
  if (::ftruncate(*fd, static_cast<off_t>(c.length)) != 0) return system_error(c, "truncate to " + std::to_string(c.length) + " bytes", errno);
  return set_mtime(c, *fd);
}

Status Applier::apply_fallocate(const Change& c) {
  auto fd = writable_file(c);
  if (!fd.ok()) return std::move(fd).error();
  if (::fallocate(*fd, static_cast<int>(c.flags), static_cast<off_t>(c.offset), static_cast<off_t>(c.length)) != 0)
    return system_error(c, "fallocate mode " + std::to_string(c.flags) + " at " + std::to_string(c.offset) + " for " + std::to_string(c.length) + " bytes", errno);
  return set_mtime(c, *fd);
}

Status Applier::apply_fsync(const Change& c) {
  auto node = node_of(c);
  if (!node.ok()) return std::move(node).error();
  struct stat st {};
  if (::fstat(node->get(), &st) != 0) return system_error(c, "stat", errno);
  int fd = -1;
  UniqueFd folder;
  if (S_ISREG(st.st_mode)) {
    auto file = writable_file(c);
    if (!file.ok()) return std::move(file).error();
    fd = *file;
  } else if (S_ISDIR(st.st_mode)) {
    folder.reset(::open(proc_fd_path(node->get()).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!folder.valid()) return system_error(c, "open the folder", errno);
    fd = folder.get();
  } else {
    return ok_status();  // links, FIFOs and devices hold no data of ours to flush
  }
  const int rc = (c.flags & kFsyncDataOnly) != 0 ? ::fdatasync(fd) : ::fsync(fd);
  if (rc != 0) return system_error(c, (c.flags & kFsyncDataOnly) != 0 ? "fdatasync" : "fsync", errno);
  return ok_status();
}

mode_t Applier::permitted_mode(const Change& c, mode_t type) {
  mode_t mode = c.mode & 07777;
  if (options_.keep_setid) return mode;
  const mode_t setid = S_ISDIR(type) ? S_ISUID : (S_ISUID | S_ISGID);  // set-gid folders only pass on a group
  if ((mode & setid) != 0 && options_.on_withheld) options_.on_withheld(c, "set-uid/set-gid bits");
  return mode & ~setid;
}

Status Applier::set_new_node_attributes(const Change& c, const ParentDir& parent, int fd) {
  const char* name = parent.name.c_str();
  if (c.uid != kKeepOwner || c.gid != kKeepOwner) {
    if (::fchownat(parent.fd, name, c.uid, c.gid, AT_SYMLINK_NOFOLLOW) != 0) return system_error(c, "set the owner", errno);
  }
  // Modes are set explicitly: creation applies the applier's umask, the primary's does not matter.
  if (c.kind != ChangeKind::symlink) {
    const mode_t type = c.kind == ChangeKind::mkdir ? S_IFDIR : c.kind == ChangeKind::create ? S_IFREG : (c.mode & S_IFMT);
    const mode_t mode = permitted_mode(c, type);
    if (fd >= 0) {
      if (::fchmod(fd, mode) != 0) return system_error(c, "set the mode", errno);
    } else {
      UniqueFd node(::openat(parent.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!node.valid()) return system_error(c, "open the new node", errno);
      if (::chmod(proc_fd_path(node.get()).c_str(), mode) != 0) return system_error(c, "set the mode", errno);
    }
  }
  if (c.atime_ns != 0 || c.mtime_ns != 0) {
    const timespec times[2] = {c.atime_ns != 0 ? to_timespec(c.atime_ns) : timespec{0, UTIME_OMIT},
                               c.mtime_ns != 0 ? to_timespec(c.mtime_ns) : timespec{0, UTIME_OMIT}};
    if (::utimensat(parent.fd, name, times, AT_SYMLINK_NOFOLLOW) != 0) return system_error(c, "set the times", errno);
  }
  return ok_status();
}

Status Applier::apply_create(const Change& c) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  const char* name = parent->name.c_str();
  const int flags = O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(parent->fd, name, flags, c.mode & 0777);
  if (fd < 0 && errno == EEXIST) {
    // The primary had nothing there. A regular file of its own is reused and emptied; one with
    // other names (a hard link, maybe to a file outside) and anything else that is not a folder
    // (a symbolic link above all) is replaced, never followed or emptied.
    struct stat st {};
    if (::fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return system_error(c, "stat what is in the way", errno);
    if (S_ISDIR(st.st_mode)) return system_error(c, "create the file over a folder", EISDIR);
    if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
      UniqueFd node(::openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (node.valid()) fd = ::open(proc_fd_path(node.get()).c_str(), O_RDWR | O_TRUNC | O_CLOEXEC);
    } else {
      if (::unlinkat(parent->fd, name, 0) != 0) return system_error(c, "remove what is in the way", errno);
      fd = ::openat(parent->fd, name, flags, c.mode & 0777);
    }
  }
  if (fd < 0) return system_error(c, "create", errno);
  std::erase_if(open_files_, [&](const OpenFile& f) { return f.path == c.path; });
  if (open_files_.size() >= std::max<std::size_t>(1, options_.max_open_files)) open_files_.erase(open_files_.begin());
  open_files_.push_back({c.path, UniqueFd(fd)});
  return set_new_node_attributes(c, *parent, fd);
}

Status Applier::apply_mknod(const Change& c) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  const mode_t type = c.mode & S_IFMT;
  if ((S_ISCHR(type) || S_ISBLK(type)) && !options_.keep_devices) {
    if (options_.on_withheld) options_.on_withheld(c, "a device node");
    UniqueFd placeholder(::openat(parent->fd, parent->name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0));
    if (!placeholder.valid()) return system_error(c, "create the empty file that stands for a device", errno);
    Change empty = c;
    empty.kind = ChangeKind::create;
    empty.mode = S_IFREG;
    return set_new_node_attributes(empty, *parent, placeholder.get());
  }
  if (::mknodat(parent->fd, parent->name.c_str(), type | (c.mode & 0777), static_cast<dev_t>(c.rdev)) != 0)
    return system_error(c, "mknod", errno);
  return set_new_node_attributes(c, *parent, -1);
}

Status Applier::apply_mkdir(const Change& c) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  if (::mkdirat(parent->fd, parent->name.c_str(), c.mode & 0777) != 0) return system_error(c, "mkdir", errno);
  return set_new_node_attributes(c, *parent, -1);
}

Status Applier::apply_symlink(const Change& c) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  if (::symlinkat(c.path2.c_str(), parent->fd, parent->name.c_str()) != 0) return system_error(c, "symlink", errno);
  return set_new_node_attributes(c, *parent, -1);
}

Status Applier::apply_unlink(const Change& c, bool directory) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  if (::unlinkat(parent->fd, parent->name.c_str(), directory ? AT_REMOVEDIR : 0) != 0)
    return system_error(c, directory ? "rmdir" : "unlink", errno);
  return ok_status();
}

Status Applier::apply_rename(const Change& c) {
  auto from = parent_of(c, c.path);
  if (!from.ok()) return std::move(from).error();
  auto to = parent_of(c, c.path2);
  if (!to.ok()) return std::move(to).error();
  if (::renameat2(from->fd, from->name.c_str(), to->fd, to->name.c_str(), c.flags) != 0)
    return system_error(c, "rename with flags " + std::to_string(c.flags), errno);
  return ok_status();
}

Status Applier::apply_link(const Change& c) {
  auto from = parent_of(c, c.path);
  if (!from.ok()) return std::move(from).error();
  auto to = parent_of(c, c.path2);
  if (!to.ok()) return std::move(to).error();
  // No AT_SYMLINK_FOLLOW: a link to a symbolic link links the link itself, as on the primary.
  if (::linkat(from->fd, from->name.c_str(), to->fd, to->name.c_str(), 0) != 0) return system_error(c, "link", errno);
  return ok_status();
}

Status Applier::apply_chmod(const Change& c) {
  auto node = node_of(c);
  if (!node.ok()) return std::move(node).error();
  struct stat st {};
  if (::fstat(node->get(), &st) != 0) return system_error(c, "stat", errno);
  if (S_ISLNK(st.st_mode)) return ok_status();  // Linux has no mode on symbolic links (no lchmod)
  if (::chmod(proc_fd_path(node->get()).c_str(), permitted_mode(c, st.st_mode & S_IFMT)) != 0) return system_error(c, "chmod", errno);
  return ok_status();
}

Status Applier::apply_chown(const Change& c) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  if (::fchownat(parent->fd, parent->name.c_str(), c.uid, c.gid, AT_SYMLINK_NOFOLLOW) != 0) return system_error(c, "chown", errno);
  return ok_status();
}

Status Applier::apply_utimens(const Change& c) {
  auto parent = parent_of(c, c.path);
  if (!parent.ok()) return std::move(parent).error();
  const timespec times[2] = {to_timespec(c.atime_ns), to_timespec(c.mtime_ns)};
  if (::utimensat(parent->fd, parent->name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return system_error(c, "utimensat", errno);
  return ok_status();
}

Status Applier::apply_xattr(const Change& c) {
  auto node = node_of(c);
  if (!node.ok()) return std::move(node).error();
  // Through /proc/self/fd of an O_PATH descriptor: the attribute lands on the node itself,
  // even a FIFO or a device that must not be opened.
  const std::string at = proc_fd_path(node->get());
  if (c.kind == ChangeKind::setxattr) {
    if (::setxattr(at.c_str(), c.name.c_str(), c.data.data(), c.data.size(), static_cast<int>(c.flags)) != 0)
      return system_error(c, "setxattr of " + std::to_string(c.data.size()) + " bytes", errno);
  } else if (::removexattr(at.c_str(), c.name.c_str()) != 0) {
    return system_error(c, "removexattr", errno);
  }
  return ok_status();
}

}  // namespace haven::replication
