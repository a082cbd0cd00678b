#include "reintegration/plan_steps.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "replication_apply/applier.hpp"
#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::reintegration {
namespace {

using replication::Change;
using replication::ChangeKind;
using replication::UniqueFd;
using replication::printable_path;

constexpr auto kResolution = replication::PathResolution::automatic;

Error read_error(const std::string& path, const std::string& step, int err) {
  return fail(Errc::io_error, "reintegration cannot read '" + printable_path(path) + "' on the primary: " + step + ": " +
                                  std::strerror(err) + " (errno " + std::to_string(err) + ")");
}

std::int64_t ns(const timespec& t) { return t.tv_sec * 1'000'000'000LL + t.tv_nsec; }

Change change(ChangeKind kind, const std::string& path) {
  Change c;
  c.kind = kind;
  c.path = path;
  return c;
}

// The node at `path` as an O_PATH descriptor and its attributes; an invalid descriptor when
// it is gone (or no longer reachable without a link).
UniqueFd node_of(int primary_fd, const std::string& path, struct stat& st) {
  const int fd = replication::open_beneath(primary_fd, path, O_PATH, kResolution);
  if (fd < 0) return {};
  UniqueFd node(fd);
  if (::fstat(node.get(), &st) != 0) return {};
  return node;
}

Status append_xattrs(int node_fd, const std::string& path, const std::vector<std::string>& stale, std::vector<Change>& out) {
  for (const auto& name : stale) {
    Change c = change(ChangeKind::removexattr, path);
    c.name = name;
    out.push_back(std::move(c));
  }
  const std::string at = replication::proc_fd_path(node_fd);
  std::string names(4096, '\0');
  ssize_t size = 0;
  while ((size = ::listxattr(at.c_str(), names.data(), names.size())) < 0 && errno == ERANGE) names.resize(names.size() * 4);
  if (size < 0) return (errno == ENOTSUP || errno == EPERM) ? ok_status() : Status(read_error(path, "listxattr", errno));
  for (ssize_t i = 0; i < size;) {
    const std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    std::string value(256, '\0');
    ssize_t n = 0;
    while ((n = ::getxattr(at.c_str(), name.c_str(), value.data(), value.size())) < 0 && errno == ERANGE) value.resize(value.size() * 4);
    if (n < 0) continue;
    value.resize(static_cast<std::size_t>(n));
    Change c = change(ChangeKind::setxattr, path);
    c.name = name;
    c.data = std::move(value);
    out.push_back(std::move(c));
  }
  return ok_status();
}

// Owner, mode, xattrs and times, in that order: chown clears set-id bits, times go last.
Status append_attributes(int node_fd, const struct stat& st, const std::string& path, const std::vector<std::string>& stale,
                         std::vector<Change>& out) {
  Change owner = change(ChangeKind::chown, path);
  owner.uid = st.st_uid;
  owner.gid = st.st_gid;
  out.push_back(std::move(owner));
  if (!S_ISLNK(st.st_mode)) {
    Change mode = change(ChangeKind::chmod, path);
    mode.mode = st.st_mode & 07777;
    out.push_back(std::move(mode));
  }
  if (auto s = append_xattrs(node_fd, path, stale, out); !s.ok()) return s;
  Change times = change(ChangeKind::utimens, path);
  times.atime_ns = ns(st.st_atim);
  times.mtime_ns = ns(st.st_mtim);
  out.push_back(std::move(times));
  return ok_status();
}

Change new_node(ChangeKind kind, const std::string& path, const struct stat& st, bool with_times) {
  Change c = change(kind, path);
  c.mode = kind == ChangeKind::mknod ? st.st_mode : (st.st_mode & 07777);
  c.uid = st.st_uid;
  c.gid = st.st_gid;
  if (with_times) {
    c.atime_ns = ns(st.st_atim);
    c.mtime_ns = ns(st.st_mtim);
  }
  return c;
}

std::string child_of(const std::string& parent, const std::string& name) { return parent + "/" + name; }

std::vector<std::string> names_in(int primary_fd, const std::string& path) {
  std::vector<std::string> names;
  const int fd = replication::open_beneath(primary_fd, path, O_RDONLY | O_DIRECTORY, kResolution);
  if (fd < 0) return names;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return names;
  }
  while (dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

// The file under the first of its names still there: an application may unlink one name of
// a hard-linked file while it is copied; the others still name the node on both sides.
FileWork named_now(int primary_fd, const FileWork& file) {
  FileWork now = file;
  std::vector<std::string> names = {file.path};
  names.insert(names.end(), file.other_names.begin(), file.other_names.end());
  for (const auto& name : names) {
    const int fd = replication::open_beneath(primary_fd, name, O_PATH, kResolution);
    if (fd < 0) continue;
    ::close(fd);
    now.path = name;
    break;
  }
  now.other_names = std::move(names);
  return now;
}

}  // namespace

Status produce_subtree(int primary_fd, const std::string& path, std::vector<Change>& out) {
  struct stat st {};
  UniqueFd node = node_of(primary_fd, path, st);
  if (!node.valid()) return ok_status();
  if (S_ISDIR(st.st_mode)) {
    out.push_back(new_node(ChangeKind::mkdir, path, st, false));
    for (const auto& name : names_in(primary_fd, path))
      if (auto s = produce_subtree(primary_fd, child_of(path, name), out); !s.ok()) return s;
    return append_attributes(node.get(), st, path, {}, out);
  }
  if (S_ISREG(st.st_mode)) {
    out.push_back(new_node(ChangeKind::create, path, st, false));
    const FileWork file{path, {}, false, {}, {}};
    std::uint64_t sent = 0;
    if (auto s = produce_file_range(primary_fd, file, {0, static_cast<std::uint64_t>(st.st_size)}, out, sent); !s.ok()) return s;
    return produce_file_end(primary_fd, file, out);
  }
  if (S_ISLNK(st.st_mode)) return produce_step(primary_fd, {StepKind::make_symlink, path, {}, false, false, {}, {}}, out);
  return produce_step(primary_fd, {StepKind::make_node, path, {}, false, false, {}, {}}, out);
}

Status produce_step(int primary_fd, const PlanStep& step, std::vector<Change>& out) {
  struct stat st {};
  UniqueFd node = node_of(primary_fd, step.path, st);
  switch (step.kind) {
    case StepKind::remove:
      if (node.valid() && !step.replaced) {
        // Made again live since the plan. A folder over a folder: the live changes reached the
        // secondary's one, which keeps its old attributes (send them). Anything else may have
        // been skipped there: replace the node with the primary's, whole.
        if (S_ISDIR(st.st_mode) && step.is_directory) return append_attributes(node.get(), st, step.path, {}, out);
        out.push_back(change(step.is_directory ? ChangeKind::rmdir : ChangeKind::unlink, step.path));
        return produce_subtree(primary_fd, step.path, out);
      }
      out.push_back(change(step.is_directory ? ChangeKind::rmdir : ChangeKind::unlink, step.path));
      return ok_status();
    case StepKind::make_directory:
      if (!node.valid() || !S_ISDIR(st.st_mode)) return ok_status();
      out.push_back(new_node(ChangeKind::mkdir, step.path, st, false));
      for (const auto& name : names_in(primary_fd, step.path)) {
        if (std::find(step.known_children.begin(), step.known_children.end(), name) != step.known_children.end()) continue;
        if (auto s = produce_subtree(primary_fd, child_of(step.path, name), out); !s.ok()) return s;
      }
      return ok_status();
    case StepKind::create_file:
      if (node.valid() && S_ISREG(st.st_mode)) out.push_back(new_node(ChangeKind::create, step.path, st, false));
      return ok_status();
    case StepKind::make_symlink: {
      if (!node.valid() || !S_ISLNK(st.st_mode)) return ok_status();
      Change c = new_node(ChangeKind::symlink, step.path, st, true);
      std::string target(4096, '\0');
      const ssize_t n = ::readlinkat(node.get(), "", target.data(), target.size());
      if (n < 0) return read_error(step.path, "readlink", errno);
      target.resize(static_cast<std::size_t>(n));
      c.path2 = std::move(target);
      out.push_back(std::move(c));
      return ok_status();
    }
    case StepKind::make_node:
      if (!node.valid() || S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) return ok_status();
      out.push_back(new_node(ChangeKind::mknod, step.path, st, true));
      out.back().rdev = st.st_rdev;
      return ok_status();
    case StepKind::hard_link: {
      struct stat target {};
      UniqueFd existing = node_of(primary_fd, step.link_to, target);
      if (!node.valid()) return ok_status();
      // The name it linked to was removed or replaced live meanwhile: send this name whole.
      if (!existing.valid() || st.st_ino != target.st_ino || st.st_dev != target.st_dev) return produce_subtree(primary_fd, step.path, out);
      Change c = change(ChangeKind::link, step.link_to);
      c.path2 = step.path;
      out.push_back(std::move(c));
      return ok_status();
    }
    case StepKind::attributes:
      if (!node.valid()) return ok_status();
      return append_attributes(node.get(), st, step.path, step.stale_xattrs, out);
  }
  return fail(Errc::internal, "unknown reintegration step " + std::to_string(static_cast<int>(step.kind)));
}

Status produce_file_range(int primary_fd, const FileWork& planned, replication::ByteRange range, std::vector<Change>& out,
                          std::uint64_t& sent) {
  sent = 0;
  const FileWork file = named_now(primary_fd, planned);
  const int raw = replication::open_beneath(primary_fd, file.path, O_RDONLY | O_NONBLOCK | O_NOATIME, kResolution);
  UniqueFd fd(raw >= 0 ? raw : replication::open_beneath(primary_fd, file.path, O_RDONLY | O_NONBLOCK, kResolution));
  if (!fd.valid()) return ok_status();  // gone, or no longer a file we may open: live changes say so
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return read_error(file.path, "stat", errno);
  if (!S_ISREG(st.st_mode)) return ok_status();
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t end = std::min(size, range.offset + range.length);
  std::uint64_t pos = range.offset;
  while (pos < end) {
    off_t data = ::lseek(fd.get(), static_cast<off_t>(pos), SEEK_DATA);
    std::uint64_t data_at = data < 0 ? end : std::min<std::uint64_t>(static_cast<std::uint64_t>(data), end);
    if (data_at > pos && file.secondary_has_copy) {
      Change punch = change(ChangeKind::fallocate, file.path);
      punch.flags = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
      punch.offset = pos;
      punch.length = data_at - pos;
      out.push_back(std::move(punch));
    }
    if (data_at >= end) break;
    off_t hole = ::lseek(fd.get(), static_cast<off_t>(data_at), SEEK_HOLE);
    const std::uint64_t data_end = hole < 0 ? end : std::min<std::uint64_t>(static_cast<std::uint64_t>(hole), end);
    for (std::uint64_t at = data_at; at < data_end;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(data_end - at, replication::kMaxChangeData));
      Change write = change(ChangeKind::write, file.path);
      write.data.resize(want);
      const ssize_t n = ::pread(fd.get(), write.data.data(), want, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return read_error(file.path, "read " + std::to_string(want) + " bytes at offset " + std::to_string(at), errno);
      if (n == 0) break;  // shrunk under us (cannot happen under the lock; be safe)
      write.data.resize(static_cast<std::size_t>(n));
      write.offset = at;
      write.length = static_cast<std::uint64_t>(n);
      sent += write.length;
      at += write.length;
      out.push_back(std::move(write));
    }
    pos = data_end;
  }
  // The range goes past the primary's end: what the secondary holds there is stale (a longer
  // old copy, or a shrink recorded while ALONE). Cut it now, under the lock, so that a live
  // truncate growing the file later exposes zeros there as it does on the primary.
  if (file.secondary_has_copy && range.offset + range.length > size) {
    Change cut = change(ChangeKind::truncate, file.path);
    cut.length = size;
    out.push_back(std::move(cut));
  }
  return ok_status();
}

Status produce_file_end(int primary_fd, const FileWork& planned, std::vector<Change>& out) {
  const FileWork file = named_now(primary_fd, planned);
  struct stat st {};
  UniqueFd node = node_of(primary_fd, file.path, st);
  if (!node.valid() || !S_ISREG(st.st_mode)) return ok_status();
  Change size = change(ChangeKind::truncate, file.path);
  size.length = static_cast<std::uint64_t>(st.st_size);
  out.push_back(std::move(size));
  if (auto s = append_attributes(node.get(), st, file.path, file.stale_xattrs, out); !s.ok()) return s;
  // A name that no longer shares this node on the primary (this one or it was unlinked and
  // made again live while the data was copied) holds, on the secondary, the node it was
  // linked to: give it its own, sent whole once, and link the names that still share it.
  std::vector<std::pair<std::pair<dev_t, ino_t>, std::string>> moved;  // node -> first name sent
  for (const auto& other : file.other_names) {
    if (other == file.path) continue;
    struct stat other_st {};
    UniqueFd other_node = node_of(primary_fd, other, other_st);
    if (!other_node.valid() || (other_st.st_ino == st.st_ino && other_st.st_dev == st.st_dev)) continue;
    out.push_back(change(S_ISDIR(other_st.st_mode) ? ChangeKind::rmdir : ChangeKind::unlink, other));
    const std::pair<dev_t, ino_t> id{other_st.st_dev, other_st.st_ino};
    auto sent = std::find_if(moved.begin(), moved.end(), [&](const auto& m) { return m.first == id; });
    if (sent != moved.end() && !S_ISDIR(other_st.st_mode)) {
      Change link = change(ChangeKind::link, sent->second);
      link.path2 = other;
      out.push_back(std::move(link));
      continue;
    }
    moved.emplace_back(id, other);
    if (auto s = produce_subtree(primary_fd, other, out); !s.ok()) return s;
  }
  return ok_status();
}

}  // namespace haven::reintegration
