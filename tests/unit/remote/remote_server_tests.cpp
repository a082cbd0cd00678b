// The remote server under misbehaving, unauthenticated clients on loopback: connections that
// reset, hold slots or send nothing. Bounded in count; nothing here asserts a duration.
#include "remote/frame_io.hpp"
#include "remote/remote_envelope.hpp"
#include "served_node.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

using test::connect_from;
using test::key_of;
using test::ServedNode;

ControlRequest state_request() {
  ControlRequest r;
  r.command = "state";
  return r;
}

/// 127.0.1.<n>: one source address per idle client, so no per-address limit refuses them.
std::string source(int n) { return "127.0.1." + std::to_string(n); }

}  // namespace

TEST_CASE("finding 1: connections reset before they are accepted, while every slot is busy, do not bring "
          "the server down",
          "[remote][server]") {
  ServedNode node(key_of(7));
  const int port = node.server.bound_port();
  std::vector<int> idle;
  for (int i = 1; i <= RemoteServer::kMaxConnections; ++i) {
    int fd = connect_from(source(i), port);
    REQUIRE(fd >= 0);
    idle.push_back(fd);
  }
  // A reset that lands between the handshake and accept() leaves a socket without a peer
  // address; the acceptor must refuse it without throwing.
  for (int i = 0; i < 400; ++i) {
    int fd = connect_from("127.0.2.1", port);
    if (fd >= 0) test::reset(fd);
  }
  for (int fd : idle) ::close(fd);
  auto r = send_remote_request(node.target(), state_request(), "node1", key_of(7), 5s);
  INFO((r.ok() ? "" : r.error().message));
  CHECK(r.ok());
}

TEST_CASE("finding 13: one address holding more idle connections than its share cannot keep another node out",
          "[remote][server]") {
  ServedNode node(key_of(7));
  const int port = node.server.bound_port();
  std::vector<int> idle;
  for (int i = 0; i < RemoteServer::kMaxConnections + 8; ++i) {
    int fd = connect_from("127.0.3.1", port);
    if (fd >= 0) idle.push_back(fd);
  }
  auto r = send_remote_request(node.target(), state_request(), "node1", key_of(7), 5s);
  INFO((r.ok() ? "" : r.error().message));
  CHECK(r.ok());
  for (int fd : idle) ::close(fd);
}

TEST_CASE("finding 4: an authenticated request nested too deep is refused, and the server lives on",
          "[remote][server]") {
  ServedNode node(key_of(7));
  // Valid JSON, signed with the key: only the depth is wrong. Deep enough to overflow the
  // stack of a recursive copy.
  const std::string deep = R"({"command":"state","args":{"a":)" + std::string(300'000, '[') +
                           std::string(300'000, ']') + "}}";
  const Nonce nonce = remote_io::random_nonce();
  auto frame = seal_request(deep, "node1", "node2", key_of(7), remote_io::unix_now_ms(), nonce);
  REQUIRE(frame.ok());
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  REQUIRE(remote_io::connect(socket, io, "127.0.0.1", node.server.bound_port(), 5s).ok());
  REQUIRE(remote_io::write_frame(socket, io, *frame, 5s).ok());
  auto answer = remote_io::read_frame(socket, io, 10s);
  REQUIRE(answer.ok());
  auto opened = open_response(*answer, key_of(7), "node1", "node2", remote_io::unix_now_ms(), nonce);
  REQUIRE(std::holds_alternative<OpenedEnvelope>(opened));
  auto response = ControlResponse::parse(std::get<OpenedEnvelope>(opened).body);
  REQUIRE(response.ok());
  CHECK_FALSE(response->ok);
  CHECK_THAT(response->message, Catch::Contains("nested deeper than 64"));
  CHECK(node.seen.empty());
  auto r = send_remote_request(node.target(), state_request(), "node1", key_of(7), 5s);
  CHECK(r.ok());
}

TEST_CASE("one address written two ways in cluster.xml is listened on once, not refused as a port in use",
          "[remote][server]") {
  // A free port: bind one, note it, let it go.
  int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(probe >= 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &any.sin_addr);
  REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&any), sizeof(any)) == 0);
  socklen_t len = sizeof(any);
  REQUIRE(::getsockname(probe, reinterpret_cast<sockaddr*>(&any), &len) == 0);
  const int port = ntohs(any.sin_port);
  ::close(probe);

  ServedNode node(key_of(7));
  RemoteServer twice{std::make_shared<spdlog::logger>("remote-test", std::make_shared<spdlog::sinks::null_sink_mt>())};
  // "127.1" is 127.0.0.1 as inet_aton reads it: the same endpoint as the first address.
  auto st = twice.start({"node2", {"127.0.0.1", "127.1"}, port, node.dir / "cluster.key"},
                        [](const ControlRequest&, const std::string&) { return ControlResponse::success("ok", {}); });
  INFO((st.ok() ? "" : st.error().message));
  REQUIRE(st.ok());
  CHECK(twice.bound_port() == port);
  auto r = send_remote_request({"node2", {"127.0.0.1"}, port}, state_request(), "node1", key_of(7), 5s);
  INFO((r.ok() ? "" : r.error().message));
  CHECK(r.ok());
  twice.stop();
}
