#include "tcp_checker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace haven::checker_tcp {
namespace {

using Clock = std::chrono::steady_clock;

std::string endpoint(const TcpTarget& t) {
  return (t.addr.find(':') != std::string::npos ? "[" + t.addr + "]" : t.addr) + ":" + t.port;
}

// Closes the socket however the probe ends.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Empty on success, else why the connection failed.
std::string connect_once(const addrinfo& ai, Clock::time_point deadline) {
  Socket s(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (s.get() < 0) return std::string("cannot create a socket: ") + std::strerror(errno);
  if (::connect(s.get(), ai.ai_addr, ai.ai_addrlen) == 0) return {};
  if (errno != EINPROGRESS) return std::strerror(errno);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return "no answer within the timeout";
    pollfd pfd{s.get(), POLLOUT, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::string("poll failed: ") + std::strerror(errno);
    if (n == 0) return "no answer within the timeout";
    int error = 0;
    socklen_t len = sizeof(error);
    if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0) return std::strerror(errno);
    return error == 0 ? std::string() : std::string(std::strerror(error));
  }
}

}  // namespace

const CheckerSchema& tcp_schema() {
  static const CheckerSchema schema{"tcp", CheckerSection::check, "tcp", "t_", "prim", "restart", true};
  return schema;
}

namespace {

// The target of the first <to>, with every finding about the element.
std::optional<TcpTarget> read_tcp(const ConfigNode& element, std::vector<ConfigDiagnostic>& findings) {
  const ConfigNode* to = element.name == "to" ? &element : element.child("to");
  if (to == nullptr) {
    findings.push_back(ConfigDiagnostic::error(
        element, "has no <to addr=\"...\" port=\"...\"/> child: add one saying where to connect"));
    return std::nullopt;
  }
  TcpTarget target;
  target.addr = to->attribute("addr").value_or("");
  target.port = to->attribute("port").value_or("");
  const std::size_t before = findings.size();
  if (target.addr.empty())
    findings.push_back(ConfigDiagnostic::error(
        *to, "has no addr attribute, expected an address such as addr=\"127.0.0.1\"", "addr"));
  int port = 0;
  auto [end, ec] = std::from_chars(target.port.data(), target.port.data() + target.port.size(), port);
  if (target.port.empty() || ec != std::errc() || end != target.port.data() + target.port.size() || port < 1 ||
      port > 65535)
    findings.push_back(ConfigDiagnostic::error(
        *to, "has port=\"" + target.port + "\", expected a TCP port number from 1 to 65535", "port"));
  if (findings.size() != before) return std::nullopt;
  return target;
}

}  // namespace

CheckerConfiguration configure_tcp(const ConfigNode& element) {
  CheckerConfiguration out;
  for (const auto& child : element.children)
    if (child.name == "to") (void)read_tcp(child, out.diagnostics);
  if (element.child("to") == nullptr) (void)read_tcp(element, out.diagnostics);
  // The seed product's rule: a tcp checker that runs before the application (pre) can only
  // hold the module; restarting what has not started yet means nothing.
  if (element.attribute("when") == "pre") {
    const std::string action = element.attribute("action").value_or(tcp_schema().default_action);
    if (action != "wait")
      out.diagnostics.push_back(ConfigDiagnostic::error(
          element, "a tcp checker with when=\"pre\" may only wait; \"" + action +
                       "\" is not allowed. Expected action=\"wait\"",
          "action"));
  }
  warn_unknown(element, {}, host_checker_attributes(CheckerSection::check), {"to"}, out.diagnostics);
  for (const auto& child : element.children)
    if (child.name == "to") warn_unknown(child, {"addr", "port"}, host_target_attributes(), {}, out.diagnostics);
  return out;
}

Result<TcpTarget> parse_tcp_target(const ConfigNode& element) {
  std::vector<ConfigDiagnostic> findings;
  auto target = read_tcp(element, findings);
  if (!target) return fail(Errc::invalid_argument, "haven.checker.tcp: " + findings.front().element_place() + " " +
                                                       findings.front().message);
  return std::move(*target);
}

Result<std::unique_ptr<TcpChecker>> TcpChecker::from_host(HostContext& host) {
  const ConfigNode* config = host.config();
  if (config == nullptr)
    return fail(Errc::invalid_argument,
                "haven.checker.tcp needs its <tcp><to addr port/></tcp> element and was made without one");
  auto target = parse_tcp_target(*config);
  if (!target.ok()) return std::move(target).error();
  return std::make_unique<TcpChecker>(host, std::move(target).value());
}

Result<CheckResult> TcpChecker::probe(std::chrono::milliseconds timeout) noexcept {
  try {
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(target_.addr.c_str(), target_.port.c_str(), &hints, &found); rc != 0)
      return CheckResult{false, "cannot resolve " + target_.addr + ": " + ::gai_strerror(rc)};
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);

    std::string reason = "no address to try";
    for (const addrinfo* ai = addresses.get(); ai != nullptr; ai = ai->ai_next) {
      reason = connect_once(*ai, deadline);
      if (reason.empty()) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        return CheckResult{true, "connected to " + endpoint(target_) + " in " + std::to_string(ms) + " ms"};
      }
      if (Clock::now() >= deadline) break;
    }
    if (reason == "no answer within the timeout")
      return CheckResult{false, "no answer from " + endpoint(target_) + " within " + std::to_string(timeout.count()) +
                                    " ms"};
    return CheckResult{false, "cannot connect to " + endpoint(target_) + ": " + reason};
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("haven.checker.tcp probe of ") + endpoint(target_) + " failed: " + e.what());
  }
}

}  // namespace haven::checker_tcp
