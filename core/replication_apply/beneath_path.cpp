#include "replication_apply/beneath_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "replication/change_message.hpp"

namespace haven::replication {
namespace {

std::atomic<bool> g_openat2_missing{false};

// -errno, or the descriptor. ENOSYS (kernel before 5.6, or a seccomp filter) makes every
// later call use the component walk.
int openat2_beneath(int dir_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a rename raced with the lookup; the kernel asks us to try again.
    if ((errno == EAGAIN && attempt < 8) || errno == EINTR) continue;
    return -errno;
  }
}

// Each component with O_NOFOLLOW: safe because paths are checked to have no "." or "..".
int walk_beneath(int dir_fd, const std::string& path, int last_flags) {
  UniqueFd current;
  int at = dir_fd;
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const bool last = slash == std::string::npos;
    const std::string part = path.substr(start, last ? std::string::npos : slash - start);
    const int flags = last ? last_flags : O_PATH | O_DIRECTORY;
    const int fd = ::openat(at, part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      // A link where a folder is expected says ENOTDIR: name it for what it is.
      struct stat st {};
      if (err == ENOTDIR && ::fstatat(at, part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) return -ELOOP;
      return -err;
    }
    if (last) return fd;
    current.reset(fd);
    at = fd;
    start = slash + 1;
  }
}

int open_checked(int dir_fd, const std::string& path, int flags, PathResolution resolution) {
  if (!is_safe_relative_path(path)) return -EXDEV;
  if (resolution == PathResolution::automatic && !g_openat2_missing.load(std::memory_order_relaxed)) {
    // A folder is opened without O_NOFOLLOW so that a link there fails with ELOOP
    // (RESOLVE_NO_SYMLINKS) rather than opening the link itself.
    const int fd = openat2_beneath(dir_fd, path, (flags & O_DIRECTORY) != 0 ? flags : flags | O_NOFOLLOW);
    if (fd != -ENOSYS) return fd;
    g_openat2_missing.store(true, std::memory_order_relaxed);
  }
  return walk_beneath(dir_fd, path, flags | O_NOFOLLOW);
}

}  // namespace

ParentResult open_parent_beneath(int dir_fd, const std::string& path, PathResolution resolution) {
  ParentResult out;
  if (!is_safe_relative_path(path)) {
    out.error = EXDEV;
    return out;
  }
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    out.parent.fd = dir_fd;
    out.parent.name = path;
    return out;
  }
  const int fd = open_checked(dir_fd, path.substr(0, slash), O_PATH | O_DIRECTORY, resolution);
  if (fd < 0) {
    out.error = -fd;
    return out;
  }
  out.parent.owned.reset(fd);
  out.parent.fd = fd;
  out.parent.name = path.substr(slash + 1);
  return out;
}

int open_beneath(int dir_fd, const std::string& path, int flags, PathResolution resolution) {
  return open_checked(dir_fd, path, flags, resolution);
}

std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

std::string printable_path(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace haven::replication
