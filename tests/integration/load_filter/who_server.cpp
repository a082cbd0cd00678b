#include "who_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include "who_client.hpp"

namespace haven::load_filter::testing {

std::string describe_endpoint(const void* sockaddr_any) {
  const auto* sa = static_cast<const sockaddr*>(sockaddr_any);
  char text[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    const auto* in = static_cast<const sockaddr_in*>(sockaddr_any);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
  }
  const auto* in6 = static_cast<const sockaddr_in6*>(sockaddr_any);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
  return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6->sin6_port));
}

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
}

UniqueFd listening(const std::string& netns, const std::string& address, int port, bool udp) {
  socklen_t length = 0;
  const sockaddr_storage at = endpoint(address, port, length);
  UniqueFd fd = socket_in(netns, at.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (at.ss_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  check(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&at), length) == 0,
        "bind " + address + ":" + std::to_string(port) + " in " + netns);
  if (!udp) check(::listen(fd.get(), 64) == 0, "listen in " + netns);
  return fd;
}

}  // namespace

WhoServer::WhoServer(const std::string& netns, const std::string& name, const std::vector<int>& tcp_ports,
                     const std::string& udp_vip, const std::vector<int>& udp_ports)
    : name_(name) {
  for (int port : tcp_ports) {
    listeners_.push_back({listening(netns, "0.0.0.0", port, false), port, false});
    listeners_.push_back({listening(netns, "::", port, false), port, false});
  }
  for (int port : udp_ports) listeners_.push_back({listening(netns, udp_vip, port, true), port, true});
  thread_ = std::thread([this] { serve(); });
}

WhoServer::~WhoServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<Seen> WhoServer::seen() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

void WhoServer::serve() {
  std::map<int, UniqueFd> connections;  // fd -> connection; answered line by line
  const std::string answer = name_ + "\n";
  while (!stop_) {
    std::vector<pollfd> fds;
    for (const auto& l : listeners_) fds.push_back({l.fd.get(), POLLIN, 0});
    for (const auto& [fd, conn] : connections) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (i < listeners_.size()) {
        const auto& l = listeners_[i];
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        if (l.udp) {
          char buf[512];
          const ssize_t n = ::recvfrom(l.fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &length);
          if (n < 0) continue;
          ::sendto(l.fd.get(), name_.data(), name_.size(), 0, reinterpret_cast<sockaddr*>(&peer), length);
        } else {
          const int fd = ::accept4(l.fd.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
          if (fd < 0) continue;
          connections.emplace(fd, UniqueFd(fd));
        }
        std::lock_guard lock(mutex_);
        seen_.push_back({l.port, describe_endpoint(&peer)});
        continue;
      }
      char buf[512];
      const ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        connections.erase(fds[i].fd);
        continue;
      }
      for (ssize_t k = 0; k < n; ++k)
        if (buf[k] == '\n') ::send(fds[i].fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
  }
}

}  // namespace haven::load_filter::testing
