#include "lua_tcp_wait.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace haven::lua {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Pause between rounds of attempts, so a closed port is not hammered.
constexpr milliseconds kRetryPause{100};
// One connect attempt never waits longer than this, so the next address gets its turn.
constexpr milliseconds kAttemptLimit{1000};

bool connect_once(const addrinfo& ai, milliseconds limit) {
  const int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return false;
  bool connected = false;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) {
    connected = true;
  } else if (errno == EINPROGRESS) {
    pollfd pfd{fd, POLLOUT, 0};
    if (::poll(&pfd, 1, static_cast<int>(limit.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      connected = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  ::close(fd);
  return connected;
}

}  // namespace

bool wait_for_tcp(const std::string& host, const std::string& port, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* list = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &list) == 0) {
      for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (connect_once(*ai, std::clamp(left, milliseconds(1), kAttemptLimit))) {
          ::freeaddrinfo(list);
          return true;
        }
      }
      ::freeaddrinfo(list);
    }
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(left, kRetryPause));
  }
}

}  // namespace haven::lua
