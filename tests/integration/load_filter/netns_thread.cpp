#include "netns_thread.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

namespace haven::load_filter::testing {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string run_in_netns(const std::string& netns, const std::function<void()>& work) {
  std::string error;
  std::thread worker([&] {
    const std::string path = "/run/netns/" + netns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot open " + path + ": " + std::strerror(errno);
      return;
    }
    const int rc = ::setns(fd, CLONE_NEWNET);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
      error = "setns(" + path + "): " + std::strerror(err);
      return;
    }
    try {
      work();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  worker.join();
  return error;
}

UniqueFd socket_in(const std::string& netns, int domain, int type) {
  int fd = -1;
  int err = 0;
  const std::string why = run_in_netns(netns, [&] {
    fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    err = errno;
  });
  if (!why.empty()) throw std::runtime_error(why);
  if (fd < 0) throw std::runtime_error("socket() in " + netns + ": " + std::strerror(err));
  return UniqueFd(fd);
}

}  // namespace haven::load_filter::testing
