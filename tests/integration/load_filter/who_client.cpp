#include "who_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "who_server.hpp"

namespace haven::load_filter::testing {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string local_end(int fd) {
  sockaddr_storage at{};
  socklen_t length = sizeof at;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &length) != 0) return "?";
  return describe_endpoint(&at);
}

void bind_source(int fd, const std::string& source) {
  socklen_t length = 0;
  const sockaddr_storage from = endpoint(source, 0, length);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&from), length) != 0)
    throw std::runtime_error("bind to " + source + ": " + std::strerror(errno));
}

}  // namespace

sockaddr_storage endpoint(const std::string& address, int port, socklen_t& length) {
  sockaddr_storage at{};
  auto* in = reinterpret_cast<sockaddr_in*>(&at);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&at);
  if (::inet_pton(AF_INET, address.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    throw std::runtime_error("not an IP address: " + address);
  }
  return at;
}

std::optional<WhoConnection> WhoConnection::open(const std::string& netns, const std::string& source,
                                                 const std::string& vip, int port, std::chrono::milliseconds timeout,
                                                 std::string& why) {
  socklen_t length = 0;
  const sockaddr_storage to = endpoint(vip, port, length);
  UniqueFd fd = socket_in(netns, to.ss_family, SOCK_STREAM | SOCK_NONBLOCK);
  bind_source(fd.get(), source);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), length) != 0 && errno != EINPROGRESS) {
    why = std::string("connect: ") + std::strerror(errno);
    return std::nullopt;
  }
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
    why = "connect from " + source + " to " + vip + ":" + std::to_string(port) + ": no answer within " +
          std::to_string(timeout.count()) + " ms";
    return std::nullopt;
  }
  int err = 0;
  socklen_t err_len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
  if (err != 0) {
    why = "connect from " + source + " to " + vip + ":" + std::to_string(port) + ": " + std::strerror(err);
    return std::nullopt;
  }
  std::string local = local_end(fd.get());
  return WhoConnection(std::move(fd), std::move(local));
}

std::string WhoConnection::ask(std::chrono::milliseconds timeout, std::string& why) {
  if (::send(fd_.get(), "who\n", 4, MSG_NOSIGNAL) != 4) {
    why = std::string("send: ") + std::strerror(errno);
    return {};
  }
  const auto deadline = Clock::now() + timeout;
  std::string line;
  while (line.find('\n') == std::string::npos) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) != 1) {
      why = "no answer from " + local_ + " within " + std::to_string(timeout.count()) + " ms";
      return {};
    }
    char buf[256];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n <= 0) {
      why = n == 0 ? "connection closed" : std::string("recv: ") + std::strerror(errno);
      return {};
    }
    line.append(buf, static_cast<std::size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

WhoDatagrams::WhoDatagrams(const std::string& netns, const std::string& source, const std::string& vip, int port) {
  socklen_t length = 0;
  const sockaddr_storage to = endpoint(vip, port, length);
  fd_ = socket_in(netns, to.ss_family, SOCK_DGRAM);
  bind_source(fd_.get(), source);
  if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&to), length) != 0)
    throw std::runtime_error("connect UDP to " + vip + ": " + std::strerror(errno));
  local_ = local_end(fd_.get());
}

std::vector<std::string> WhoDatagrams::ask(std::chrono::milliseconds window) {
  std::vector<std::string> answers;
  if (::send(fd_.get(), "who", 3, 0) != 3) return answers;
  const auto deadline = Clock::now() + window;
  while (remaining_ms(deadline) > 0) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) != 1) break;
    char buf[256];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n > 0) answers.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return answers;
}

}  // namespace haven::load_filter::testing
