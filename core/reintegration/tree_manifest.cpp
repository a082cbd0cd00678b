#include "reintegration/tree_manifest.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "replication/change_message.hpp"
#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::reintegration {
namespace {

using replication::UniqueFd;
using replication::printable_path;

Error read_error(const std::string& what, const std::string& path, const std::string& step, int err) {
  return fail(Errc::io_error, "cannot describe the tree " + what + ": " + step + " of '" + printable_path(path) +
                                  "': " + std::strerror(err) + " (errno " + std::to_string(err) + ")");
}

std::string child_of(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

EntryType type_of(mode_t mode) {
  if (S_ISDIR(mode)) return EntryType::directory;
  if (S_ISLNK(mode)) return EntryType::symlink;
  if (S_ISFIFO(mode)) return EntryType::fifo;
  if (S_ISSOCK(mode)) return EntryType::socket;
  if (S_ISCHR(mode)) return EntryType::char_device;
  if (S_ISBLK(mode)) return EntryType::block_device;
  return EntryType::regular;
}

// Through /proc/self/fd of an O_PATH descriptor: the node itself, even a FIFO or a link.
Result<Xattrs> read_xattrs(int node_fd, const std::string& what, const std::string& path) {
  const std::string at = replication::proc_fd_path(node_fd);
  Xattrs xattrs;
  std::string names(4096, '\0');
  ssize_t size = 0;
  while ((size = ::listxattr(at.c_str(), names.data(), names.size())) < 0 && errno == ERANGE) names.resize(names.size() * 4);
  if (size < 0) {
    if (errno == ENOTSUP || errno == EPERM) return xattrs;  // symbolic links refuse user.* attributes
    return read_error(what, path, "listxattr", errno);
  }
  for (ssize_t i = 0; i < size;) {
    std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    std::string value(256, '\0');
    ssize_t n = 0;
    while ((n = ::getxattr(at.c_str(), name.c_str(), value.data(), value.size())) < 0 && errno == ERANGE) value.resize(value.size() * 4);
    if (n < 0) {
      if (errno == ENODATA) continue;  // removed meanwhile
      return read_error(what, path, "getxattr " + name, errno);
    }
    value.resize(static_cast<std::size_t>(n));
    xattrs.emplace_back(std::move(name), std::move(value));
  }
  std::sort(xattrs.begin(), xattrs.end());
  return xattrs;
}

class Walker {
 public:
  Walker(const ManifestOptions& options, std::string what) : options_(options), what_(std::move(what)) {}

  // `dir_fd` is an open descriptor of `rel`'s folder ("" = the root).
  Status walk_folder(int dir_fd, const std::string& rel) {
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return read_error(what_, rel, "open the folder", errno);
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      ::close(fd);
      return read_error(what_, rel, "read the folder", errno);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    for (const auto& name : names) {
      if (auto s = visit(dir_fd, name, child_of(rel, name)); !s.ok()) return s;
    }
    return ok_status();
  }

  // Visits `name` in the folder `parent_fd` (whose relative path is the prefix of `rel`).
  Status visit(int parent_fd, const std::string& name, const std::string& rel) {
    if (!seen_.insert(rel).second) return ok_status();
    UniqueFd node(::openat(parent_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node.valid()) {
      if (errno == ENOENT) return ok_status();  // removed while we walk
      return read_error(what_, rel, "open", errno);
    }
    struct stat st {};
    if (::fstat(node.get(), &st) != 0) return read_error(what_, rel, "stat", errno);
    const bool is_directory = S_ISDIR(st.st_mode);
    if (options_.filter && !options_.filter(rel, is_directory)) return ok_status();

    ManifestEntry entry;
    entry.path = rel;
    entry.type = type_of(st.st_mode);
    entry.mode = st.st_mode & 07777;
    entry.uid = st.st_uid;
    entry.gid = st.st_gid;
    entry.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
    if (entry.type == EntryType::char_device || entry.type == EntryType::block_device) entry.rdev = st.st_rdev;
    if (entry.type == EntryType::regular) entry.size = static_cast<std::uint64_t>(st.st_size);
    if (!is_directory && st.st_nlink > 1) {
      auto [it, added] = groups_.emplace(std::make_pair(st.st_dev, st.st_ino), groups_.size() + 1);
      entry.link_group = it->second;
    }
    if (entry.type == EntryType::symlink) {
      std::string target(4096, '\0');
      const ssize_t n = ::readlinkat(parent_fd, name.c_str(), target.data(), target.size());
      if (n < 0) return read_error(what_, rel, "readlink", errno);
      target.resize(static_cast<std::size_t>(n));
      entry.symlink_target = std::move(target);
    }
    auto xattrs = read_xattrs(node.get(), what_, rel);
    if (!xattrs.ok()) return std::move(xattrs).error();
    entry.xattrs = std::move(*xattrs);
    if (entry.type == EntryType::regular && options_.with_hashes) {
      UniqueFd file(::open(replication::proc_fd_path(node.get()).c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME));
      if (!file.valid() && errno == EPERM) file.reset(::open(replication::proc_fd_path(node.get()).c_str(), O_RDONLY | O_CLOEXEC));
      if (!file.valid()) return read_error(what_, rel, "open for reading", errno);
      auto hashes = replication::hash_file_blocks(file.get(), options_.block_size, what_ + " '" + printable_path(rel) + "'");
      if (!hashes.ok()) return std::move(hashes).error();
      entry.hashes = std::move(*hashes);
      entry.size = entry.hashes->file_size;
    }
    entries_.push_back(std::move(entry));
    if (!is_directory) return ok_status();
    UniqueFd folder(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!folder.valid()) {
      if (errno == ENOENT) return ok_status();
      return read_error(what_, rel, "open the folder", errno);
    }
    return walk_folder(folder.get(), rel);
  }

  std::vector<ManifestEntry> take() { return std::move(entries_); }

 private:
  const ManifestOptions& options_;
  std::string what_;
  std::vector<ManifestEntry> entries_;
  std::set<std::string> seen_;
  std::map<std::pair<dev_t, ino_t>, std::uint64_t> groups_;
};

}  // namespace

const char* to_string(EntryType type) noexcept {
  switch (type) {
    case EntryType::regular: return "file";
    case EntryType::directory: return "folder";
    case EntryType::symlink: return "symbolic link";
    case EntryType::fifo: return "FIFO";
    case EntryType::socket: return "socket";
    case EntryType::char_device: return "character device";
    case EntryType::block_device: return "block device";
  }
  return "unknown";
}

Result<TreeManifest> build_manifest(int dir_fd, const ManifestOptions& options, const std::string& what) {
  if (options.block_size == 0) return fail(Errc::invalid_argument, "cannot describe the tree " + what + ": block size 0");
  Walker walker(options, what);
  if (!options.roots) {
    UniqueFd root(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) return read_error(what, "", "open the replicated directory", errno);
    if (auto s = walker.walk_folder(root.get(), ""); !s.ok()) return std::move(s).error();
  } else {
    for (const auto& rel : *options.roots) {
      if (!replication::is_safe_relative_path(rel))
        return fail(Errc::invalid_argument, "cannot describe the tree " + what + ": unsafe root path '" + printable_path(rel) + "'");
      auto parent = replication::open_parent_beneath(dir_fd, rel, replication::PathResolution::automatic);
      // Gone, or behind a symbolic link (never followed: not in the tree as replication sees
      // it): nothing to describe.
      if (parent.error == ENOENT || parent.error == ENOTDIR || parent.error == ELOOP) continue;
      if (parent.error != 0) return read_error(what, rel, "open the folder holding it", parent.error);
      UniqueFd folder(::openat(parent.parent.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!folder.valid()) return read_error(what, rel, "open the folder holding it", errno);
      if (auto s = walker.visit(folder.get(), parent.parent.name, rel); !s.ok()) return std::move(s).error();
    }
  }
  TreeManifest manifest;
  manifest.block_size = options.block_size;
  manifest.entries = walker.take();
  std::sort(manifest.entries.begin(), manifest.entries.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  return manifest;
}

const ManifestEntry* find_entry(const TreeManifest& manifest, std::string_view path) {
  auto it = std::lower_bound(manifest.entries.begin(), manifest.entries.end(), path,
                             [](const ManifestEntry& e, std::string_view p) { return std::string_view(e.path) < p; });
  return it != manifest.entries.end() && it->path == path ? &*it : nullptr;
}

std::vector<std::string> link_names(const TreeManifest& manifest, const ManifestEntry& entry) {
  if (entry.link_group == 0) return {entry.path};
  std::vector<std::string> names;
  for (const auto& e : manifest.entries)
    if (e.link_group == entry.link_group) names.push_back(e.path);
  return names;
}

}  // namespace haven::reintegration
