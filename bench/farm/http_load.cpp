#include "http_load.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "client_gap.hpp"

namespace haven::bench {
namespace {

using LoadClock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  bool connected = false;
  LoadClock::time_point started;
  std::string received;
};

// Whether `reply` is a whole answer with status 200 (headers ended; the body is whatever followed).
bool is_ok(const std::string& reply) {
  if (reply.rfind("HTTP/1.", 0) != 0) return false;
  const auto space = reply.find(' ');
  return space != std::string::npos && reply.compare(space + 1, 3, "200") == 0 &&
         reply.find("\r\n\r\n") != std::string::npos;
}

class LoadRun {
 public:
  explicit LoadRun(const LoadSettings& s) : s_(s), slots_(static_cast<std::size_t>(s.connections)) {}

  Result<LoadResult> run() {
    to_.sin_family = AF_INET;
    to_.sin_port = htons(static_cast<uint16_t>(s_.port));
    ::inet_pton(AF_INET, s_.address.c_str(), &to_.sin_addr);
    for (const auto& source : s_.sources) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1)
        return fail(Errc::invalid_argument, "the load client's source address '" + source + "' is not IPv4");
      from_.push_back(from);
    }
    request_ = "GET / HTTP/1.0\r\nHost: " + s_.address + "\r\n\r\n";
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return fail(Errc::io_error, std::string("the load client's epoll_create1: ") + std::strerror(errno));

    const auto begin = LoadClock::now();
    end_ = begin + s_.duration;
    for (std::size_t i = 0; i < slots_.size(); ++i) open(i, begin);
    std::vector<epoll_event> events(slots_.size());
    while (LoadClock::now() < end_) {
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 20);
      const auto now = LoadClock::now();
      for (int e = 0; e < n; ++e) on_event(events[static_cast<std::size_t>(e)].data.u64, events[static_cast<std::size_t>(e)].events);
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].fd >= 0 && now - slots_[i].started > s_.request_timeout) finish(i, false);
      // A slot whose request ended starts the next one (one that failed to open waits a round).
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].fd < 0 && now < end_) open(i, now);
    }
    result_.seconds = std::chrono::duration<double>(LoadClock::now() - begin).count();
    for (auto& c : slots_)
      if (c.fd >= 0) ::close(c.fd);  // cut off by the end of the run: neither answered nor failed
    ::close(epoll_);
    return result_;
  }

 private:
  void open(std::size_t i, LoadClock::time_point now) {
    Connection& c = slots_[i];
    c = Connection{};
    c.started = now;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      ++result_.failed;
      return;
    }
    if (!from_.empty()) {
      const auto& from = from_[next_source_++ % from_.size()];
      if (::bind(c.fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) return finish(i, false, false);
    }
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&to_), sizeof to_) != 0 && errno != EINPROGRESS)
      return finish(i, false, false);
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = i;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) finish(i, false, false);
  }

  void on_event(std::uint64_t i, std::uint32_t events) {
    Connection& c = slots_[i];
    if (c.fd < 0) return;
    if (!c.connected) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0 ||
          ::send(c.fd, request_.data(), request_.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request_.size()))
        return finish(i, false);
      c.connected = true;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
      return;
    }
    char buf[4096];
    while (true) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.received.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) return finish(i, is_ok(c.received));
      if (errno == EAGAIN || errno == EINTR) return;
      return finish(i, false);
    }
  }

  // Counts the request and closes it; the main loop starts the next one in this slot.
  void finish(std::size_t i, bool answered, bool registered = true) {
    Connection& c = slots_[i];
    if (registered) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    if (answered) {
      ++result_.answered;
      const auto body_at = c.received.find("\r\n\r\n");
      ++result_.by_node[served_node(c.received.substr(body_at + 4))];
    } else {
      ++result_.failed;
    }
  }

  const LoadSettings& s_;
  std::vector<Connection> slots_;
  std::vector<sockaddr_in> from_;
  std::size_t next_source_ = 0;
  sockaddr_in to_{};
  std::string request_;
  int epoll_ = -1;
  LoadClock::time_point end_;
  LoadResult result_;
};

}  // namespace

Result<LoadResult> run_http_load(const LoadSettings& settings) {
  in_addr probe{};
  if (::inet_pton(AF_INET, settings.address.c_str(), &probe) != 1)
    return fail(Errc::invalid_argument, "the load client's address '" + settings.address + "' is not an IPv4 literal");
  if (settings.connections < 1)
    return fail(Errc::invalid_argument, "the load client needs at least one connection, not " +
                                            std::to_string(settings.connections));
  const std::string path = "/run/netns/" + settings.netns;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(Errc::io_error, "the load client cannot open the namespace " + path + ": " + std::strerror(errno) +
                                    " (expected a namespace made by the cluster harness)");
  // setns changes this thread's namespace only, so the load runs on a thread of its own.
  Result<LoadResult> out = fail(Errc::internal, "the load client's thread did not run");
  std::thread worker([&] {
    if (::setns(fd, CLONE_NEWNET) != 0) {
      out = fail(Errc::io_error, "the load client cannot enter the namespace " + settings.netns + ": " +
                                     std::strerror(errno) + " (needs root: CAP_SYS_ADMIN)");
      return;
    }
    out = LoadRun(settings).run();
  });
  worker.join();
  ::close(fd);
  return out;
}

}  // namespace haven::bench
