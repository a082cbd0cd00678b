// haven SDK: an owned POSIX file descriptor, closed when it goes out of scope. The one fd
// wrapper of haven: the core and the plugins use it rather than a copy of their own.
#pragma once

#include <unistd.h>

#include <utility>

namespace haven {

/// Owns at most one descriptor; moves transfer it, copies are not allowed. Not thread-safe.
class UniqueFd {
 public:
  /// Owns nothing (get() is -1).
  UniqueFd() = default;
  /// Owns `fd` (a negative value: nothing, as a failed open or socket returns).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  /// The descriptor, or -1.
  int get() const noexcept { return fd_; }
  /// Whether a descriptor is owned.
  bool valid() const noexcept { return fd_ >= 0; }
  /// Gives the descriptor up without closing it; the caller owns it.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the owned descriptor, then owns `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace haven
