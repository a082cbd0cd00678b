#include "vip_poller.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

namespace haven::netns_failover {
namespace {

using std::chrono::milliseconds;

// One request on its way: connecting, then waiting for the whole answer (HTTP/1.0, the
// server closes when done).
struct Request {
  int fd = -1;
  std::string source;
  bool connected = false;
  Clock::time_point sent;
  Clock::time_point deadline;
  std::string received;
};

std::string body_of_ok(const std::string& reply) {
  if (reply.rfind("HTTP/1.", 0) != 0) return {};
  const auto space = reply.find(' ');
  if (space == std::string::npos || reply.compare(space + 1, 3, "200") != 0) return {};
  const auto end = reply.find("\r\n\r\n");
  return end == std::string::npos ? std::string{} : reply.substr(end + 4);
}

// `source`: the client address to send from (empty: the kernel's choice).
int open_request(const sockaddr_in& to, const std::string& source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd);
      return -1;
    }
  }
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

VipPoller::VipPoller(PollerSettings settings) : settings_(std::move(settings)) {}

Result<std::unique_ptr<VipPoller>> VipPoller::start(const PollerSettings& settings) {
  const std::string path = "/run/netns/" + settings.netns;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(Errc::io_error, "the HTTP client cannot open the namespace " + path + ": " + std::strerror(errno) +
                                    " (expected a namespace made by the cluster harness)");
  in_addr probe{};
  if (::inet_pton(AF_INET, settings.address.c_str(), &probe) != 1) {
    ::close(fd);
    return fail(Errc::invalid_argument, "the HTTP client's address '" + settings.address + "' is not an IPv4 literal");
  }
  std::unique_ptr<VipPoller> poller(new VipPoller(settings));
  std::promise<std::string> entered;
  auto entered_result = entered.get_future();
  // The thread owns the promise: start() may return while set_value is still finishing.
  poller->thread_ = std::thread([p = poller.get(), fd, entered = std::move(entered)]() mutable {
    // setns changes the namespace of this thread only: the test's other threads stay where they are.
    if (::setns(fd, CLONE_NEWNET) != 0) {
      entered.set_value(std::string("setns: ") + std::strerror(errno));
      ::close(fd);
      return;
    }
    ::close(fd);
    entered.set_value({});
    p->run();
  });
  const std::string why = entered_result.get();
  if (!why.empty()) {
    poller->thread_.join();
    return fail(Errc::io_error, "the HTTP client cannot enter the namespace " + settings.netns + ": " + why +
                                    " (needs root: CAP_SYS_ADMIN)");
  }
  return poller;
}

VipPoller::~VipPoller() { stop(); }

void VipPoller::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void VipPoller::run() {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(settings_.port));
  ::inet_pton(AF_INET, settings_.address.c_str(), &to.sin_addr);
  const std::string request = "GET / HTTP/1.0\r\nHost: " + settings_.address + "\r\nConnection: close\r\n\r\n";

  std::vector<Request> flying;
  const auto end_of_run = Clock::now() + settings_.max_run;
  auto next_send = Clock::now();
  std::size_t next_source = 0;

  auto finish = [&](Request& r, bool answered) {
    ::close(r.fd);
    r.fd = -1;
    std::lock_guard lock(mutex_);
    if (answered) {
      ++counts_.answered;
      answers_.push_back({r.sent, Clock::now(), body_of_ok(r.received), r.source});
    } else {
      ++counts_.failed;
    }
  };

  while (!stopping_ && Clock::now() < end_of_run) {
    const auto now = Clock::now();
    if (now >= next_send) {
      Request r;
      if (!settings_.sources.empty()) r.source = settings_.sources[next_source++ % settings_.sources.size()];
      r.fd = open_request(to, r.source);
      r.sent = now;
      r.deadline = now + settings_.request_timeout;
      {
        std::lock_guard lock(mutex_);
        ++counts_.sent;
        if (r.fd < 0) ++counts_.failed;
      }
      if (r.fd >= 0) flying.push_back(std::move(r));
      next_send = now + settings_.interval;
    }

    std::vector<pollfd> fds;
    for (const auto& r : flying) fds.push_back({r.fd, static_cast<short>(r.connected ? POLLIN : POLLOUT), 0});
    auto wait = std::chrono::duration_cast<milliseconds>(next_send - Clock::now()).count();
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, wait)));

    const auto after = Clock::now();
    for (std::size_t i = 0; i < flying.size(); ++i) {
      Request& r = flying[i];
      const short ev = fds[i].revents;
      if (!r.connected && ev != 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(r.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (ev & (POLLERR | POLLHUP)) != 0 ||
            ::send(r.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
          finish(r, false);
          continue;
        }
        r.connected = true;
      } else if (r.connected && ev != 0) {
        char buf[4096];
        const ssize_t n = ::recv(r.fd, buf, sizeof buf, 0);
        if (n > 0) {
          r.received.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
          finish(r, !body_of_ok(r.received).empty());
          continue;
        } else if (errno != EAGAIN && errno != EINTR) {
          finish(r, false);
          continue;
        }
      }
      if (r.fd >= 0 && after >= r.deadline) finish(r, false);
    }
    std::erase_if(flying, [](const Request& r) { return r.fd < 0; });
  }
  for (auto& r : flying) ::close(r.fd);
}

std::optional<HttpAnswer> VipPoller::first_answer(const std::string& text, Clock::time_point after) const {
  std::lock_guard lock(mutex_);
  const HttpAnswer* best = nullptr;
  for (const auto& a : answers_)
    if (a.sent >= after && a.body.find(text) != std::string::npos && (best == nullptr || a.answered < best->answered))
      best = &a;
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::optional<HttpAnswer> VipPoller::wait_for_answer(const std::string& text, Clock::time_point after,
                                                     milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (auto a = first_answer(text, after)) return a;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

std::optional<HttpAnswer> VipPoller::last_answer() const {
  std::lock_guard lock(mutex_);
  if (answers_.empty()) return std::nullopt;
  return answers_.back();
}

std::vector<HttpAnswer> VipPoller::answers_since(Clock::time_point after) const {
  std::lock_guard lock(mutex_);
  std::vector<HttpAnswer> out;
  for (const auto& a : answers_)
    if (a.sent >= after) out.push_back(a);
  return out;
}

VipPoller::Counts VipPoller::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace haven::netns_failover
