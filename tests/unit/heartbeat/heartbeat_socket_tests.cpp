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
            [this](const DropLogLine& l) { drop_lines.push_back(l); }, {}, {}, {}};
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
