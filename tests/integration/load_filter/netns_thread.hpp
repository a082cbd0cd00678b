// Doing things inside a named network namespace (/run/netns/NAME) from a test process that
// stays in its own: a short-lived thread enters the namespace (setns) and runs the work.
// A socket keeps the namespace it was made in, so sockets made there are used from any thread.
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace haven::load_filter::testing {

/// A file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// Runs `work` on a thread inside `netns` and waits for it. Returns "" or why it could not
/// enter the namespace (or what `work` threw).
std::string run_in_netns(const std::string& netns, const std::function<void()>& work);

/// A socket(domain, type) made inside `netns`; throws std::runtime_error naming the namespace
/// when it cannot be made.
UniqueFd socket_in(const std::string& netns, int domain, int type);

}  // namespace haven::load_filter::testing
