// The control server under clients that hold connections: a cap on connections, one deadline
// per request. Unix sockets in a temporary folder; bounded in count, no duration asserted.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "control/control_client.hpp"
#include "control/control_server.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

struct Served {
  std::filesystem::path dir;
  ControlServer server;

  explicit Served(ControlServer::Limits limits) {
    dir = std::filesystem::temp_directory_path() / ("haven-control-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir);
    auto st = server.start(
        socket(), [](const ControlRequest& r, const ControlPeer&) { return ControlResponse::success("did " + r.command); },
        limits);
    REQUIRE(st.ok());
  }
  ~Served() {
    server.stop();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path socket() const { return dir / "s.sock"; }
};

// A raw connection whose reads give up after 5 s.
int connect_to(const std::filesystem::path& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

std::string read_line(int fd) {
  std::string in;
  char c;
  while (::recv(fd, &c, 1, 0) == 1 && c != '\n') in.push_back(c);
  return in;
}

ControlRequest named(const std::string& command) {
  ControlRequest r;
  r.command = command;
  return r;
}

}  // namespace

TEST_CASE("finding 16: a connection over the limit is answered busy at once, and the server serves again "
          "once others leave",
          "[control][server]") {
  Served s({2, 10s});
  std::vector<int> idle{connect_to(s.socket()), connect_to(s.socket())};
  int over = connect_to(s.socket());
  auto answer = ControlResponse::parse(read_line(over));
  ::close(over);
  REQUIRE(answer.ok());
  CHECK_FALSE(answer->ok);
  CHECK(answer->code == Errc::refused);
  CHECK_THAT(answer->message, Catch::Contains("busy") && Catch::Contains(s.socket().string()));
  for (int fd : idle) ::close(fd);
  // The idle connections end on their threads a moment later: retry a bounded number of times.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    auto r = send_control_request(s.socket(), named("hello"), 5s);
    served = r.ok() && r->ok && r->message == "did hello";
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
}

TEST_CASE("finding 16: a client that sends its request a byte at a time is cut off at the request deadline",
          "[control][server]") {
  Served s({8, 300ms});
  int fd = connect_to(s.socket());
  int sent = 0;
  bool cut = false;
  // Each byte arrives well within any per-read timeout; only a deadline for the whole request ends it.
  for (; sent < 400 && !cut; ++sent) {
    if (::send(fd, "x", 1, MSG_NOSIGNAL) != 1) cut = true;
    char c;
    if (::recv(fd, &c, 1, MSG_DONTWAIT) == 0) cut = true;
    std::this_thread::sleep_for(50ms);
  }
  ::close(fd);
  CHECK(cut);
  auto r = send_control_request(s.socket(), named("hello"), 5s);
  REQUIRE(r.ok());
  CHECK(r->message == "did hello");
}
