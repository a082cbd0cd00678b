#include "replication_fs/read_only_view.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "replication_fs/mount_table.hpp"
#include "replication_fs/replicated_fs.hpp"

namespace haven::replication_fs {
namespace {

bool has_option(const std::string& options, const std::string& option) {
  return ("," + options + ",").find("," + option + ",") != std::string::npos;
}

}  // namespace

bool is_read_only_view(const std::filesystem::path& dir) {
  auto top = detail::top_mount(detail::mount_point_of(dir));
  if (!top || !has_option(top->options, "ro") || top->root == "/") return false;
  // A bind of a folder onto itself shows that folder of the file system mounted underneath.
  auto below = detail::mount_by_id(top->parent_id);
  return below && below->device == top->device;
}

Result<std::unique_ptr<ReadOnlyView>> ReadOnlyView::mount(const std::filesystem::path& dir) {
  if (!dir.is_absolute())
    return fail(Errc::invalid_argument, fmt::format("replicated directory {}: expected an absolute path", dir.string()));
  const std::string point = detail::mount_point_of(dir);
  if (is_haven_mount(point) || is_read_only_view(point))
    return fail(Errc::refused, fmt::format("replicated directory {} already carries a haven mount (replication file "
                                           "system or read-only view); detach it first (umount -l {})",
                                           point, point));
  int fd = open(point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return fail(errno == ENOENT ? Errc::not_found : Errc::io_error,
                fmt::format("replicated directory {}: cannot open it ({}); expected an existing directory", point,
                            std::strerror(errno)));
  if (::mount(point.c_str(), point.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    const int error = errno;
    close(fd);
    return fail(Errc::io_error, fmt::format("replicated directory {}: cannot bind it onto itself for the read-only "
                                            "view: {}; expected to run as root",
                                            point, std::strerror(error)));
  }
  // A bind remount replaces the per-mount flags: keep those of the file system beneath (noexec,
  // atime policy), and never let a replicated set-user-ID file or device node take effect here.
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV;
  struct statvfs below {};
  if (fstatvfs(fd, &below) == 0) {
    if (below.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (below.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (below.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (below.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  }
  if (::mount(nullptr, point.c_str(), nullptr, flags, nullptr) != 0) {
    const int error = errno;
    umount2(point.c_str(), MNT_DETACH);
    close(fd);
    return fail(Errc::io_error, fmt::format("replicated directory {}: cannot make the view read-only: {}", point,
                                            std::strerror(error)));
  }
  return std::unique_ptr<ReadOnlyView>(new ReadOnlyView(point, fd));
}

Status ReadOnlyView::unmount() {
  if (!mounted_) return ok_status();
  if (umount2(dir_.c_str(), MNT_DETACH) != 0 && errno != EINVAL)
    return fail(Errc::io_error, fmt::format("replicated directory {}: cannot remove the read-only view: {}",
                                            dir_.string(), std::strerror(errno)));
  mounted_ = false;
  return ok_status();
}

ReadOnlyView::~ReadOnlyView() {
  (void)unmount();
  if (lower_fd_ >= 0) close(lower_fd_);
}

}  // namespace haven::replication_fs
