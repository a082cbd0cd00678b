#include "common/log_rotation.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace haven {
namespace {

std::string os_error(int err) { return std::strerror(err); }

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The index N of "NAME.N" when `candidate` is `base` followed by a dot and digits only.
std::optional<int> rotation_index(const std::string& base, const std::string& candidate) {
  if (candidate.size() <= base.size() + 1 || candidate.compare(0, base.size(), base) != 0 ||
      candidate[base.size()] != '.')
    return std::nullopt;
  const auto digits = candidate.substr(base.size() + 1);
  if (digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoi(digits);
}

// FILE.keep is dropped, FILE.i becomes FILE.i+1: room for a new FILE.1.
Status shift_rotated_files(const std::filesystem::path& file, int keep) {
  std::error_code ec;
  std::filesystem::remove(rotated_file_name(file, keep), ec);
  if (ec) return fail(Errc::io_error, "cannot remove the oldest log " + rotated_file_name(file, keep).string() + ": " + ec.message());
  for (int i = keep - 1; i >= 1; --i) {
    const auto from = rotated_file_name(file, i);
    if (::rename(from.c_str(), rotated_file_name(file, i + 1).c_str()) != 0 && errno != ENOENT)
      return fail(Errc::io_error, "cannot rename the log " + from.string() + " to " +
                                      rotated_file_name(file, i + 1).string() + ": " + os_error(errno));
  }
  return ok_status();
}

// Appends what `in` holds from `offset` to its end to `out`; the new offset.
Result<off_t> copy_from(int in, int out, off_t offset, const std::filesystem::path& file) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::pread(in, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::io_error, "cannot read the log " + file.string() + " to rotate it: " + os_error(errno));
    if (n == 0) return offset;
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail(Errc::io_error, "cannot write the rotated copy of " + file.string() + ": " + os_error(errno));
      done += w;
    }
    offset += n;
  }
}

Status rotate_by_copy(const std::filesystem::path& file, int keep) {
  Fd in(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) return ok_status();
    return fail(Errc::io_error, "cannot open the log " + file.string() + " to rotate it: " + os_error(errno));
  }
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return fail(Errc::io_error, "cannot stat the log " + file.string() + ": " + os_error(errno));
  if (auto st_shift = shift_rotated_files(file, keep); !st_shift.ok()) return st_shift;
  const auto first = rotated_file_name(file, 1);
  auto tmp = first;
  tmp += ".tmp";
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777));
  if (out.get() < 0) return fail(Errc::io_error, "cannot create " + tmp.string() + " to rotate the log: " + os_error(errno));
  auto copied = copy_from(in.get(), out.get(), 0, file);
  // Once more just before the truncation: what the writers appended during the first copy.
  if (copied.ok()) copied = copy_from(in.get(), out.get(), *copied, file);
  if (!copied.ok()) {
    ::unlink(tmp.c_str());
    return std::move(copied).error();
  }
  if (::ftruncate(in.get(), 0) != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::io_error, "cannot truncate the log " + file.string() + " after copying it: " + os_error(errno));
  }
  if (::rename(tmp.c_str(), first.c_str()) != 0)
    return fail(Errc::io_error, "cannot rename " + tmp.string() + " to " + first.string() + ": " + os_error(errno));
  return ok_status();
}

Status rotate_by_rename(const std::filesystem::path& file, int keep) {
  if (auto st = shift_rotated_files(file, keep); !st.ok()) return st;
  if (::rename(file.c_str(), rotated_file_name(file, 1).c_str()) != 0 && errno != ENOENT)
    return fail(Errc::io_error, "cannot rename the log " + file.string() + " to " + rotated_file_name(file, 1).string() +
                                    ": " + os_error(errno));
  return ok_status();
}

std::optional<std::uint64_t> size_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

bool rotation_due(std::uint64_t size, std::uint64_t incoming, const LogRotationLimit& limit) {
  return limit.max_bytes > 0 && size > 0 && size + incoming > limit.max_bytes;
}

std::filesystem::path rotated_file_name(const std::filesystem::path& file, int index) {
  auto name = file;
  name += "." + std::to_string(index);
  return name;
}

std::vector<std::filesystem::path> existing_rotated_files(const std::filesystem::path& file) {
  std::vector<std::pair<int, std::filesystem::path>> found;
  std::error_code ec;
  const auto base = file.filename().string();
  for (std::filesystem::directory_iterator it(file.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    if (auto index = rotation_index(base, it->path().filename().string())) found.emplace_back(*index, it->path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& [index, path] : found) out.push_back(std::move(path));
  return out;
}

Status rotate_log_file(const std::filesystem::path& file, const LogRotationLimit& limit, RotationMethod method) {
  const int keep = std::max(1, limit.keep);
  return method == RotationMethod::rename ? rotate_by_rename(file, keep) : rotate_by_copy(file, keep);
}

Result<bool> rotate_log_file_if_due(const std::filesystem::path& file, const LogRotationLimit& limit,
                                    std::uint64_t incoming, RotationMethod method) {
  auto size = size_of(file);
  if (!size || !rotation_due(*size, incoming, limit)) return false;
  auto lock = FolderLock::acquire(file.parent_path());
  if (!lock.ok()) return std::move(lock).error();
  size = size_of(file);
  if (!size || !rotation_due(*size, incoming, limit)) return false;
  if (auto st = rotate_log_file(file, limit, method); !st.ok()) return std::move(st).error();
  return true;
}

Result<FolderLock> FolderLock::acquire(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::io_error, "cannot open the log folder " + dir.string() + " to lock it: " + os_error(errno));
  int r;
  do {
    r = ::flock(fd, LOCK_EX);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    const int err = errno;
    ::close(fd);
    return fail(Errc::io_error, "cannot lock the log folder " + dir.string() + ": " + os_error(err));
  }
  return FolderLock(fd);
}

FolderLock::FolderLock(FolderLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace haven
