#include "control/control_client.hpp"

#include "haven/unique_fd.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace haven {
namespace {


using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

Result<ControlResponse> send_control_request(const std::filesystem::path& socket_path,
                                             const ControlRequest& request,
                                             std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = socket_path.string();
  if (p.size() >= sizeof(addr.sun_path))
    return fail(Errc::invalid_argument, "control socket path " + p + " is too long for a Unix socket (max " +
                                            std::to_string(sizeof(addr.sun_path) - 1) + " bytes)");
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(Errc::io_error, std::string("cannot create a Unix socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED)
      return fail(Errc::not_found, "nothing listens on " + p + " (is havend running for this --root?)");
    if (err == EACCES)
      return fail(Errc::refused, "permission denied on " + p + ": run as root or as a member of the socket's group");
    return fail(Errc::io_error, "cannot connect to " + p + ": " + std::strerror(err));
  }

  std::string out = request.to_json().dump() + "\n";
  std::size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "cannot send to " + p + ": " + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }

  std::string in;
  char buf[65536];
  while (in.find('\n') == std::string::npos) {
    pollfd pfd{fd.get(), POLLIN, 0};
    int rc = ::poll(&pfd, 1, remaining_ms(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0)
      return fail(Errc::timeout, "no answer from " + p + " to \"" + request.command + "\" within " +
                                     std::to_string(timeout.count()) + " ms");
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "cannot read from " + p + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  auto nl = in.find('\n');
  if (nl == std::string::npos)
    return fail(Errc::io_error, p + " closed the connection without answering \"" + request.command + "\"");
  return ControlResponse::parse(in.substr(0, nl));
}

}  // namespace haven
