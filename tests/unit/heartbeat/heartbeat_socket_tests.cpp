#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "heartbeat/heartbeat_socket.hpp"
#include "test_key.hpp"

using namespace haven;
using boost::asio::ip::udp;

namespace {

const udp::endpoint kAnyLoopbackPort{boost::asio::ip::make_address("127.0.0.1"), 0};

// Runs the io_context until `done` holds; the deadline only stops a broken test from hanging.
template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return done();
}

struct Receiver {
  std::vector<HeartbeatMessage> messages;
  std::vector<DropLogLine> drop_lines;
  HeartbeatSocket::Callbacks callbacks() {
    return {[this](const HeartbeatMessage& m, const udp::endpoint&) { messages.push_back(m); },
            [this](const DropLogLine& l) { drop_lines.push_back(l); }, {}};
  }
};

}  // namespace

TEST_CASE("a heartbeat sent by one socket is delivered by the other on 127.0.0.1") {
  boost::asio::io_context io;
  auto key = test::key_filled_with(4);
  Receiver rx;
  auto b = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {}, rx.callbacks());
  REQUIRE(b.ok());
  auto a = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {(*b)->local_endpoint()}, {});
  REQUIRE(a.ok());

  auto m = test::sample_message();
  REQUIRE((*a)->send(m).ok());
  m.sequence++;
  REQUIRE((*a)->send(m).ok());
  REQUIRE(run_until(io, [&] { return rx.messages.size() == 2; }));
  CHECK(rx.messages[1] == m);
}

TEST_CASE("forged, other-cluster and replayed packets are dropped, counted and logged, never delivered") {
  boost::asio::io_context io;
  auto key = test::key_filled_with(4);
  Receiver rx;
  auto b = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {}, rx.callbacks());
  REQUIRE(b.ok());
  auto to = (*b)->local_endpoint();
  udp::socket raw(io, udp::endpoint(udp::v4(), 0));

  auto genuine = encode(test::sample_message(), key);
  auto forged = genuine;
  forged[40] ^= 0x01;
  auto foreign = encode(test::sample_message(), test::key_filled_with(5));
  std::vector<std::uint8_t> garbage{1, 2, 3};
  auto last = test::sample_message();
  last.sequence += 1;

  for (const auto& p : {garbage, forged, foreign, genuine, genuine, genuine, encode(last, key)})
    raw.send_to(boost::asio::buffer(p), to);
  REQUIRE(run_until(io, [&] { return rx.messages.size() == 2; }));
  // Loopback keeps order: every bad packet was handled before the last good one.
  CHECK(rx.messages[0].sequence == 42);
  CHECK(rx.messages[1].sequence == 43);
  const auto& drops = (*b)->drops();
  CHECK(drops.total(DropReason::too_short) == 1);
  CHECK(drops.total(DropReason::bad_mac) == 1);
  CHECK(drops.total(DropReason::other_cluster) == 1);
  CHECK(drops.total(DropReason::replayed) == 2);
  // One line per reason at first; the second replay waits for the interval.
  CHECK(rx.drop_lines.size() == 4);
}

TEST_CASE("binding an address that is not on this machine fails with the address in the message") {
  boost::asio::io_context io;
  udp::endpoint nowhere{boost::asio::ip::make_address("192.0.2.1"), 8888};
  auto s = HeartbeatSocket::open(io, nowhere, test::key_filled_with(1), {}, {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::io_error);
  CHECK_THAT(s.error().message, Catch::Contains("192.0.2.1:8888"));
}

namespace {

// The agent on node2 that receives node1's heartbeats: a socket bound on loopback whose own
// heartbeats go to `peer`, sent with its boot and sequences.
struct Node2 {
  std::unique_ptr<HeartbeatSocket> socket;
  BootId boot;
  std::uint64_t sequence = 0;
  Node2(boost::asio::io_context& io, const ClusterKey& key, udp::endpoint peer, Receiver& rx, BootId b) : boot(b) {
    auto s = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {peer}, rx.callbacks());
    REQUIRE(s.ok());
    socket = std::move(*s);
  }
  void pulse() {
    auto m = test::sample_message();
    m.sender_node = "node2";
    m.boot = boot;
    m.sequence = sequence++;
    REQUIRE(socket->send(m).ok());
  }
};

// What an eavesdropper recorded: node1's heartbeats, sent after node1 heard node2.
std::vector<std::vector<std::uint8_t>> record_node1(boost::asio::io_context& io, Node2& node2, HeartbeatSocket& node1,
                                                    Receiver& node1_rx, udp::socket& recorder) {
  node2.pulse();
  REQUIRE(run_until(io, [&] { return !node1_rx.messages.empty(); }));
  auto m = test::sample_message();  // node1, module mirror
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 3; ++i) {
    m.sequence = 100 + static_cast<std::uint64_t>(i);
    REQUIRE(node1.send(m).ok());
    std::vector<std::uint8_t> packet(2048);
    udp::endpoint from;
    packet.resize(recorder.receive_from(boost::asio::buffer(packet), from));
    packets.push_back(std::move(packet));
  }
  return packets;
}

}  // namespace

TEST_CASE("a recording of the peer's heartbeats is refused once this agent has restarted", "[heartbeat][echo]") {
  boost::asio::io_context io;
  auto key = test::key_filled_with(4);
  udp::socket recorder(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  Receiver node1_rx;
  auto node1 = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {recorder.local_endpoint()}, node1_rx.callbacks());
  REQUIRE(node1.ok());
  Receiver first_rx;
  auto first_run = std::make_unique<Node2>(io, key, (*node1)->local_endpoint(), first_rx, BootId{1, 1764090000000ULL});
  auto recorded = record_node1(io, *first_run, **node1, node1_rx, recorder);
  first_run.reset();

  // node2's agent restarts (a new boot, an empty replay window); node1 is dead, and the
  // recording is played to it.
  Receiver rx;
  Node2 second_run(io, key, (*node1)->local_endpoint(), rx, BootId{2, 1764090005000ULL});
  second_run.pulse();
  udp::socket raw(io, udp::endpoint(udp::v4(), 0));
  for (const auto& p : recorded) raw.send_to(boost::asio::buffer(p), second_run.socket->local_endpoint());
  REQUIRE(run_until(io, [&] { return second_run.socket->drops().total(DropReason::stale_echo) == recorded.size(); }));
  CHECK(rx.messages.empty());
  REQUIRE_FALSE(rx.drop_lines.empty());
  CHECK_THAT(to_log_text(rx.drop_lines.front()), Catch::Contains("another run of this agent"));
}

TEST_CASE("a recording replayed on another lan long after it was made is refused", "[heartbeat][echo]") {
  boost::asio::io_context io;
  auto key = test::key_filled_with(4);
  udp::socket recorder(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  Receiver node1_rx;
  auto node1 = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {recorder.local_endpoint()}, node1_rx.callbacks());
  REQUIRE(node1.ok());
  const BootId boot{1, 1764090000000ULL};
  Receiver lan_a_rx, lan_b_rx;
  Node2 lan_a(io, key, (*node1)->local_endpoint(), lan_a_rx, boot);
  auto recorded = record_node1(io, lan_a, **node1, node1_rx, recorder);
  // Lan b, with its own replay window, sends the same heartbeats as lan a from then on:
  // more than the echo may lag behind while node1 is silent.
  Node2 lan_b(io, key, recorder.local_endpoint(), lan_b_rx, boot);
  lan_b.sequence = lan_a.sequence;
  for (std::uint64_t i = 0; i <= HeartbeatSocket::kMaxEchoLag; ++i) lan_b.pulse();
  udp::socket raw(io, udp::endpoint(udp::v4(), 0));
  for (const auto& p : recorded) raw.send_to(boost::asio::buffer(p), lan_b.socket->local_endpoint());
  REQUIRE(run_until(io, [&] { return lan_b.socket->drops().total(DropReason::stale_echo) == recorded.size(); }));
  CHECK(lan_b_rx.messages.empty());
}

TEST_CASE("heartbeats that echo a recent heartbeat of ours are accepted", "[heartbeat][echo]") {
  boost::asio::io_context io;
  auto key = test::key_filled_with(4);
  Receiver node1_rx, node2_rx;
  auto node1 = HeartbeatSocket::open(io, kAnyLoopbackPort, key, {}, node1_rx.callbacks());
  REQUIRE(node1.ok());
  Node2 node2(io, key, (*node1)->local_endpoint(), node2_rx, BootId{1, 1764090000000ULL});
  node2.pulse();
  REQUIRE(run_until(io, [&] { return node1_rx.messages.size() == 1; }));
  auto m = test::sample_message();
  m.echo = HeartbeatEcho{node2.boot, 0};
  udp::socket raw(io, udp::endpoint(udp::v4(), 0));
  raw.send_to(boost::asio::buffer(encode(m, key)), node2.socket->local_endpoint());
  REQUIRE(run_until(io, [&] { return node2_rx.messages.size() == 1; }));
  CHECK(node2_rx.messages[0].echo == m.echo);
}
