#include "replication_session/conflict_keeper.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <utility>

#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::replication_session {
namespace {

using replication::UniqueFd;

class Copier {
 public:
  Copier(int dir_fd, int dest_fd, const reintegration::PathFilter& filter, std::string what)
      : dir_fd_(dir_fd), dest_fd_(dest_fd), filter_(filter), what_(std::move(what)) {}

  Status copy(const std::string& rel) {
    auto parent = replication::open_parent_beneath(dir_fd_, rel, replication::PathResolution::automatic);
    // Gone since, or a folder on the way replaced by a symbolic link (kept itself if recorded):
    // that path holds nothing to keep.
    if (parent.error == ENOENT || parent.error == ENOTDIR || parent.error == ELOOP || parent.error == EXDEV) return ok_status();
    if (parent.error != 0) return failed(rel, "opening its folder", parent.error);
    struct stat st {};
    if (fstatat(parent.parent.fd, parent.parent.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return ok_status();
      return failed(rel, "fstatat", errno);
    }
    if (auto made = make_parents(rel); !made.ok()) return made;
    return copy_node(parent.parent.fd, parent.parent.name, rel, st);
  }

  Status copy_children(int folder_fd, const std::string& rel) {
    const int listing_fd = openat(folder_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (listing_fd < 0) return failed(rel.empty() ? "." : rel, "opening the folder", errno);
    DIR* listing = fdopendir(listing_fd);
    if (!listing) {
      const int error = errno;
      close(listing_fd);
      return failed(rel, "fdopendir", error);
    }
    std::vector<std::string> names;
    while (auto* entry = readdir(listing)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(listing);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string child = rel.empty() ? name : rel + "/" + name;
      struct stat st {};
      if (fstatat(folder_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        return failed(child, "fstatat", errno);
      }
      if (filter_ && !filter_(child, S_ISDIR(st.st_mode))) continue;
      if (auto copied = copy_node(folder_fd, name, child, st); !copied.ok()) return copied;
    }
    return ok_status();
  }

  std::size_t copied() const { return copied_; }

 private:
  Status failed(const std::string& rel, const std::string& call, int error) const {
    return fail(Errc::io_error, "cannot keep aside '" + replication::printable_path(rel) + "' of " + what_ + ": " + call +
                                    " failed: " + std::strerror(error));
  }

  // Folders leading to a recorded path, plain (their own attributes are not what was written).
  Status make_parents(const std::string& rel) {
    for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
      const std::string folder = rel.substr(0, slash);
      if (mkdirat(dest_fd_, folder.c_str(), 0700) != 0 && errno != EEXIST) return failed(folder, "mkdir in the conflicts folder", errno);
    }
    return ok_status();
  }

  Status copy_node(int parent_fd, const std::string& name, const std::string& rel, const struct stat& st) {
    const char* to = rel.c_str();
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(dest_fd_, to, 0700) != 0) {
        if (errno != EEXIST) return failed(rel, "mkdir in the conflicts folder", errno);
      }
      UniqueFd folder(openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!folder.valid()) return failed(rel, "opening the folder", errno);
      if (auto children = copy_children(folder.get(), rel); !children.ok()) return children;
      ++copied_;
      UniqueFd copy(openat(dest_fd_, to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!copy.valid()) return failed(rel, "opening the copied folder", errno);
      return keep_attributes(folder.get(), copy.get(), rel, st);
    }
    if (st.st_nlink > 1) {
      const auto node = std::make_pair(st.st_dev, st.st_ino);
      if (auto first = linked_.find(node); first != linked_.end()) {
        if (linkat(dest_fd_, first->second.c_str(), dest_fd_, to, 0) != 0) return failed(rel, "link to '" + first->second + "'", errno);
        ++copied_;
        return ok_status();
      }
      linked_.emplace(node, rel);
    }
    if (S_ISREG(st.st_mode)) return copy_file(parent_fd, name, rel, st);
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) + 1, '\0');
      const ssize_t n = readlinkat(parent_fd, name.c_str(), target.data(), target.size());
      if (n < 0) return failed(rel, "readlink", errno);
      target.resize(static_cast<std::size_t>(n));
      if (symlinkat(target.c_str(), dest_fd_, to) != 0) return failed(rel, "symlink in the conflicts folder", errno);
    } else if (mknodat(dest_fd_, to, st.st_mode, st.st_rdev) != 0) {
      return failed(rel, "mknod in the conflicts folder", errno);
    }
    ++copied_;
    if (fchownat(dest_fd_, to, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return failed(rel, "chown of the copy", errno);
    if (!S_ISLNK(st.st_mode) && fchmodat(dest_fd_, to, st.st_mode & 07777, 0) != 0) return failed(rel, "chmod of the copy", errno);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (utimensat(dest_fd_, to, times, AT_SYMLINK_NOFOLLOW) != 0) return failed(rel, "utimensat of the copy", errno);
    return ok_status();
  }

  Status copy_file(int parent_fd, const std::string& name, const std::string& rel, const struct stat& st) {
    UniqueFd in(openat(parent_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!in.valid()) return failed(rel, "open", errno);
    UniqueFd out(openat(dest_fd_, rel.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) return failed(rel, "create in the conflicts folder", errno);
    if (ioctl(out.get(), FICLONE, in.get()) != 0) {
      // No reflink here (another file system, or none offered): copy, keeping holes apart.
      off_t at = 0;
      for (;;) {
        off_t data = lseek(in.get(), at, SEEK_DATA);
        if (data < 0) break;  // ENXIO: only a hole is left
        off_t hole = lseek(in.get(), data, SEEK_HOLE);
        if (hole < 0) hole = st.st_size;
        off_t from = data, dest = data;
        while (from < hole) {
          const ssize_t n = copy_file_range(in.get(), &from, out.get(), &dest, static_cast<std::size_t>(hole - from), 0);
          if (n < 0) return failed(rel, "copy_file_range", errno);
          if (n == 0) break;  // shrunk meanwhile
        }
        at = hole;
      }
      if (ftruncate(out.get(), st.st_size) != 0) return failed(rel, "ftruncate of the copy", errno);
    }
    ++copied_;
    return keep_attributes(in.get(), out.get(), rel, st);
  }

  Status keep_attributes(int from, int to, const std::string& rel, const struct stat& st) {
    ssize_t size = flistxattr(from, nullptr, 0);
    if (size > 0) {
      std::string names(static_cast<std::size_t>(size), '\0');
      size = flistxattr(from, names.data(), names.size());
      if (size < 0) return failed(rel, "listxattr", errno);
      names.resize(static_cast<std::size_t>(size));
      for (std::size_t at = 0; at < names.size();) {
        const std::string attribute = names.c_str() + at;
        at += attribute.size() + 1;
        ssize_t length = fgetxattr(from, attribute.c_str(), nullptr, 0);
        if (length < 0) {
          if (errno == ENODATA) continue;
          return failed(rel, "getxattr " + attribute, errno);
        }
        std::string value(static_cast<std::size_t>(length), '\0');
        length = fgetxattr(from, attribute.c_str(), value.data(), value.size());
        if (length < 0) return failed(rel, "getxattr " + attribute, errno);
        if (fsetxattr(to, attribute.c_str(), value.data(), static_cast<std::size_t>(length), 0) != 0)
          return failed(rel, "setxattr " + attribute + " on the copy", errno);
      }
    }
    if (fchown(to, st.st_uid, st.st_gid) != 0) return failed(rel, "chown of the copy", errno);
    if (fchmod(to, st.st_mode & 07777) != 0) return failed(rel, "chmod of the copy", errno);
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (futimens(to, times) != 0) return failed(rel, "utimensat of the copy", errno);
    return ok_status();
  }

  int dir_fd_;
  int dest_fd_;
  const reintegration::PathFilter& filter_;
  std::string what_;
  std::map<std::pair<dev_t, ino_t>, std::string> linked_;  // a node's first copied name
  std::size_t copied_ = 0;
};

// The recorded paths without those below another recorded folder (copied with it).
std::vector<std::string> outermost(std::vector<std::string> paths) {
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> kept;
  for (auto& path : paths) {
    const bool inside = std::any_of(kept.begin(), kept.end(), [&](const std::string& outer) {
      return path == outer || (path.size() > outer.size() && path.compare(0, outer.size(), outer) == 0 && path[outer.size()] == '/');
    });
    if (!inside) kept.push_back(std::move(path));
  }
  return kept;
}

}  // namespace

std::string utc_folder_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

Result<std::size_t> copy_aside(int dir_fd, const std::vector<std::string>& paths, bool whole,
                               const std::filesystem::path& destination, const reintegration::PathFilter& filter,
                               const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(destination.parent_path(), ec);
  if (ec) return fail(Errc::io_error, "cannot create the conflicts folder " + destination.parent_path().string() + ": " + ec.message());
  if (mkdir(destination.c_str(), 0700) != 0)
    return fail(Errc::io_error, "cannot create the conflicts folder " + destination.string() + ": " + std::strerror(errno) +
                                    (errno == EEXIST ? " (expected a new folder)" : ""));
  UniqueFd dest(open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dest.valid()) return fail(Errc::io_error, "cannot open the conflicts folder " + destination.string() + ": " + std::strerror(errno));
  Copier copier(dir_fd, dest.get(), filter, what);
  if (whole) {
    if (auto copied = copier.copy_children(dir_fd, ""); !copied.ok()) return std::move(copied).error();
  } else {
    for (const auto& path : outermost(paths)) {
      if (filter && !filter(path, false)) continue;
      if (auto copied = copier.copy(path); !copied.ok()) return std::move(copied).error();
    }
  }
  return copier.copied();
}

}  // namespace haven::replication_session
