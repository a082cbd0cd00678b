#include "control/control_server.hpp"

#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "control/control_client.hpp"

namespace haven {
namespace {

constexpr std::size_t kMaxRequestBytes = 1 << 20;

bool write_all(int fd, const std::string& s) {
  std::size_t sent = 0;
  while (sent < s.size()) {
    ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ControlServer::~ControlServer() { stop(); }

Status ControlServer::start(const std::filesystem::path& socket_path, Handler handler, Limits limits) {
  path_ = socket_path;
  handler_ = std::move(handler);
  limits_ = limits;
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) return fail(Errc::io_error, "cannot create folder " + path_.parent_path().string() + ": " + ec.message());

  if (std::filesystem::exists(path_, ec)) {
    ControlRequest ping;
    ping.command = "ping";
    auto r = send_control_request(path_, ping, std::chrono::milliseconds(1000));
    if (r.ok()) return fail(Errc::already_exists, "another server already answers on " + path_.string());
    std::filesystem::remove(path_, ec);
  }

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path_.string();
  if (p.size() >= sizeof(addr.sun_path))
    return fail(Errc::invalid_argument, "control socket path " + p + " is too long for a Unix socket");
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return fail(Errc::io_error, std::string("cannot create a Unix socket: ") + std::strerror(errno));
  mode_t old = ::umask(0117);
  int rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::umask(old);
  if (rc != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    return fail(Errc::io_error, "cannot bind " + p + ": " + std::strerror(err));
  }
  if (group* g = ::getgrnam("haven"); g != nullptr) {
    if (::chown(p.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      // Not fatal: the socket stays root-only, which is the safe side.
    }
  }
  if (::listen(listen_fd_, 64) != 0) {
    err = errno;
    ::close(listen_fd_);
    listen_fd_ = -1;
    return fail(Errc::io_error, "cannot listen on " + p + ": " + std::strerror(err));
  }
  stopping_ = false;
  acceptor_ = std::thread([this] { accept_loop(); });
  return ok_status();
}

void ControlServer::stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  // Requests in progress finish on their own threads, which use this object and the handler's
  // owner: wait for every one (a handler must return once its owner is stopping; the request
  // deadline bounds a slow client).
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (active_ == 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void ControlServer::accept_loop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    int rc = ::poll(&pfd, 1, 200);
    if (rc <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mu_);
      if (active_ >= limits_.max_connections) {
        refuse_busy(fd, std::to_string(active_) + " requests in progress, the limit");
        continue;
      }
      ++active_;
    }
    try {
      std::thread([this, fd] {
        serve(fd);
        ::close(fd);
        std::lock_guard lock(mu_);
        --active_;
      }).detach();
    } catch (const std::system_error& e) {
      // Out of threads (RLIMIT_NPROC, memory): refuse this one rather than end the server.
      {
        std::lock_guard lock(mu_);
        --active_;
      }
      refuse_busy(fd, std::string("no thread to serve it: ") + e.what());
    }
  }
}

void ControlServer::refuse_busy(int fd, const std::string& why) {
  auto busy = ControlResponse::failure(
      fail(Errc::refused, "control socket " + path_.string() + " is busy (" + why + "); retry in a moment"));
  const std::string line = busy.to_json().dump() + "\n";
  // Never wait here: the acceptor thread must not be held by a client that does not read.
  (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

void ControlServer::serve(int fd) {
  ControlPeer peer;
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    peer.pid = cred.pid;
    peer.uid = static_cast<int>(cred.uid);
    peer.gid = static_cast<int>(cred.gid);
  }
  std::string in;
  char buf[4096];
  // One deadline for the whole request, not per read: a byte every few seconds must not
  // hold a thread for ever.
  const auto deadline = std::chrono::steady_clock::now() + limits_.request_deadline;
  while (in.find('\n') == std::string::npos && in.size() < kMaxRequestBytes) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd pfd{fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc <= 0) return;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ControlResponse response;
  auto request = ControlRequest::parse(in.substr(0, in.find('\n')));
  if (!request.ok()) {
    response = ControlResponse::failure(request.error());
  } else if (request->command == "ping") {
    response = ControlResponse::success("pong");
  } else {
    try {
      response = handler_(*request, peer);
    } catch (const std::exception& e) {
      response = ControlResponse::failure(fail(Errc::internal, "\"" + request->command + "\" failed: " + e.what()));
    }
  }
  write_all(fd, response.to_json().dump() + "\n");
}

}  // namespace haven
