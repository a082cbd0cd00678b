#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace haven {
namespace {

Error os_error(const std::string& what, const std::filesystem::path& path, int err) {
  return fail(Errc::io_error, what + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

Status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open folder", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_error("cannot fsync folder", dir, err);
  return ok_status();
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content,
                             unsigned mode) {
  std::error_code ec;
  auto dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::io_error, "cannot create folder " + dir.string() + ": " + ec.message());

  auto tmp = dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  // A new file only, never followed: a leftover of a crashed run (or a link planted in its
  // place) is removed first, so the content never lands in an older file with a wider mode.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(tmp.c_str(), flags, mode);
  if (fd < 0 && errno == EEXIST && ::unlink(tmp.c_str()) == 0) fd = ::open(tmp.c_str(), flags, mode);
  if (fd < 0) return os_error("cannot create", tmp, errno);
  // The mode before any byte is written: open() applied the umask to it.
  if (::fchmod(fd, mode) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return os_error("cannot set the mode of", tmp, err);
  }
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return os_error("cannot write", tmp, err);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return os_error("cannot fsync", tmp, err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return os_error("cannot rename over", path, err);
  }
  return sync_directory(dir);
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return fail(Errc::not_found, "file " + path.string() + " does not exist");
    return fail(Errc::io_error, "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace haven
