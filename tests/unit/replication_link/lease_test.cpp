// The lease (README.md, "The lease"): keep-alives, the secondary's silence timeout, and the
// primary holding recorded changes until the secondary's lease has run out, so that a cut of
// the replication lan alone never loses an acknowledged write.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "black_hole_relay.hpp"
#include "replication_link/replication_receiver.hpp"
#include "replication_link/replication_sender.hpp"
#include "change_builders.hpp"
#include "result_checks.hpp"
#include "temp_tree.hpp"

using namespace haven::replication;
using namespace std::chrono_literals;
using haven::replication::testing::BlackHoleRelay;
using Clock = std::chrono::steady_clock;

using haven::replication::testing::create_of;
using haven::replication::testing::write_of;

namespace {

// Ports 29430-29439 belong to these tests.
constexpr std::uint16_t kPortIdle = 29430;
constexpr std::uint16_t kPortCut = 29431;
constexpr std::uint16_t kPortEof = 29432;
constexpr std::uint16_t kPortSilentPeer = 29433;
constexpr std::uint16_t kPortQuietOn = 29434;
constexpr std::uint16_t kPortQuietOff = 29435;
constexpr std::uint16_t kPortAcked = 29436;
constexpr std::uint16_t kPortBadEcho = 29437;

haven::ClusterKey test_key() {
  haven::ClusterKey key;
  key.bytes.fill(5);
  return key;
}

ReceiverOptions receiver_at(std::uint16_t port, std::chrono::milliseconds silence_timeout) {
  ReceiverOptions o;
  o.address = "127.0.0.1";
  o.port = port;
  o.module = "lease";
  o.key = test_key();
  o.silence_timeout = silence_timeout;
  return o;
}

SenderOptions sender_to(std::uint16_t port, std::chrono::milliseconds timeout, std::chrono::milliseconds keepalive_interval) {
  SenderOptions o;
  o.address = "127.0.0.1";
  o.port = port;
  o.module = "lease";
  o.key = test_key();
  o.timeout = timeout;
  o.keepalive_interval = keepalive_interval;
  return o;
}

// The LostHandler's test double: what it was given, in order.
struct RecordedChanges {
  std::mutex mutex;
  std::vector<Change> changes;
  LostHandler handler() {
    return [this](std::span<const Change> batch) {
      std::lock_guard lock(mutex);
      changes.insert(changes.end(), batch.begin(), batch.end());
      return haven::ok_status();
    };
  }
};

// When and why the receiver's stream ended (the first time).
struct StreamEnd {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<haven::Error> why;
  Clock::time_point at;
  StreamEnded handler() {
    return [this](const haven::Error& error) {
      const auto now = Clock::now();
      std::lock_guard lock(mutex);
      if (why) return;
      why = error;
      at = now;
      changed.notify_all();
    };
  }
  bool happened() {
    std::lock_guard lock(mutex);
    return why.has_value();
  }
  bool wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return why.has_value(); });
  }
};

// Polls `done` until it holds or `limit` passes; what it returns last.
template <typename Done>
bool wait_until(Done done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return done();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("an idle sender's keep-alives keep a receiver's stream alive over several silence timeouts", "[link][lease]") {
  TempTree secondary;
  StreamEnd ended;
  const auto silence = 600ms;
  auto receiver = require_value(ReplicationReceiver::start(receiver_at(kPortIdle, silence), secondary.fd(), nullptr, ended.handler()));
  RecordedChanges lost;
  const auto start = Clock::now();
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortIdle, 3000ms, 50ms), lost.handler()));
  // 40 keep-alives acknowledged, one per 50 ms at most: over three silence timeouts, all idle.
  REQUIRE(wait_until([&] { return sender->acknowledged() >= 40 || ended.happened(); }, 20000ms));
  CHECK(Clock::now() - start >= 3 * silence);
  CHECK_FALSE(ended.happened());
  CHECK_FALSE(sender->lost());

  require_ok(sender->wait(sender->submit(create_of("after a quiet while"))));
  REQUIRE(receiver->wait_until_applied(10s));
  CHECK(std::filesystem::exists(secondary / "after a quiet while"));
  CHECK(lost.changes.empty());
}

TEST_CASE("a black-holed link ends the secondary's stream before the primary acknowledges what it recorded", "[link][lease]") {
  // Both ways, or one: with only the secondary's messages lost it still hears keep-alives, but
  // they no longer confirm anything it sent, so its lease runs out all the same.
  const std::string cut = GENERATE(as<std::string>{}, "both ways", "secondary to primary", "primary to secondary");
  INFO("cut " << cut);
  TempTree secondary;
  StreamEnd ended;
  auto receiver = require_value(ReplicationReceiver::start(receiver_at(kPortCut, 400ms), secondary.fd(), nullptr, ended.handler()));
  BlackHoleRelay relay(kPortCut);
  RecordedChanges lost;
  auto sender = require_value(ReplicationSender::connect(sender_to(relay.port(), 1500ms, 100ms), lost.handler()));
  require_ok(sender->wait(sender->submit(create_of("f"))));

  if (cut != "secondary to primary") relay.drop_to_target();
  if (cut != "primary to secondary") relay.drop_from_target();
  require_ok(sender->wait(sender->submit(write_of("f", "acknowledged once recorded"))));
  const auto acknowledged_at = Clock::now();

  REQUIRE(ended.wait(10s));
  CHECK(ended.at < acknowledged_at);
  CHECK(ended.why->code == haven::Errc::timeout);
  CHECK(ended.why->message.find("nothing came from the primary 127.0.0.1:") != std::string::npos);
  CHECK(ended.why->message.find("for 400 ms on 127.0.0.1:29431") != std::string::npos);
  CHECK(sender->lost());
  REQUIRE(lost.changes.size() == 1);
  CHECK(lost.changes[0].data == "acknowledged once recorded");
}

TEST_CASE("after the secondary closes the link, recorded changes wait for the timeout after it was last heard", "[link][lease]") {
  TempTree secondary;
  auto receiver = require_value(ReplicationReceiver::start(receiver_at(kPortEof, 0ms), secondary.fd()));
  RecordedChanges lost;
  const auto timeout = 1500ms;
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortEof, timeout, 100ms), lost.handler()));
  const auto before_first = Clock::now();
  require_ok(sender->wait(sender->submit(create_of("f"))));  // heard from the secondary after before_first
  receiver.reset();                                          // the primary reads the end at once
  const auto closed_at = Clock::now();

  require_ok(sender->wait(sender->submit(write_of("f", "recorded"))));
  const auto acknowledged_at = Clock::now();
  CHECK(sender->lost());
  CHECK(sender->lost_reason().find("no acknowledgement") == std::string::npos);  // not the timeout's loss
  const auto from = sender->acknowledge_recorded_from();
  CHECK(acknowledged_at >= from);
  CHECK(from >= before_first + timeout);
  CHECK(from <= closed_at + timeout);  // never longer than the timeout after the last thing heard
  REQUIRE(lost.changes.size() == 1);
  CHECK(lost.changes[0].data == "recorded");
}

TEST_CASE("a change the secondary acknowledged before it was lost is never held", "[link][lease]") {
  TempTree secondary;
  auto receiver = require_value(ReplicationReceiver::start(receiver_at(kPortAcked, 0ms), secondary.fd()));
  RecordedChanges lost;
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortAcked, 1500ms, 100ms), lost.handler()));
  const auto ticket = sender->submit(create_of("f"));
  REQUIRE(wait_until([&] { return sender->acknowledged() >= ticket; }, 10000ms));
  receiver.reset();
  REQUIRE(wait_until([&] { return sender->lost(); }, 10000ms));
  require_ok(sender->wait(ticket));
  CHECK(Clock::now() < sender->acknowledge_recorded_from());
}

TEST_CASE("an idle primary notices a silent secondary within the timeout, and keep-alives are never recorded", "[link][lease]") {
  // A peer with the key that completes the handshake, reads, and never acknowledges.
  namespace asio = boost::asio;
  auto psk = require_value(derive_link_psk(test_key(), "lease"));
  auto tls = require_value(make_link_context(psk, true));
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), kPortSilentPeer});
  asio::ssl::stream<asio::ip::tcp::socket> peer(io, *tls);
  std::thread silent([&] {
    acceptor.accept(peer.lowest_layer());
    boost::system::error_code ec;
    peer.handshake(asio::ssl::stream_base::server, ec);
    char sink[65536];
    while (!ec) peer.read_some(asio::buffer(sink), ec);
  });

  RecordedChanges lost;
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortSilentPeer, 500ms, 20ms), lost.handler()));
  REQUIRE(wait_until([&] { return sender->lost(); }, 10000ms));  // no write needed
  CHECK(sender->lost_reason().find("no acknowledgement within 500 ms") != std::string::npos);

  const auto ticket = sender->submit(create_of("f"));
  CHECK(ticket > 2);  // keep-alives took the sequences before it
  require_ok(sender->wait(ticket));
  REQUIRE(lost.changes.size() == 1);
  CHECK(lost.changes[0].path == "f");
  sender.reset();
  silent.join();
}

TEST_CASE("with silence_timeout 0 a quiet stream lasts; with it, a primary without keep-alives is cut off", "[link][lease]") {
  TempTree quiet_off, quiet_on;
  StreamEnd ended_off, ended_on;
  auto receiver_off =
      require_value(ReplicationReceiver::start(receiver_at(kPortQuietOff, 0ms), quiet_off.fd(), nullptr, ended_off.handler()));
  auto receiver_on =
      require_value(ReplicationReceiver::start(receiver_at(kPortQuietOn, 300ms), quiet_on.fd(), nullptr, ended_on.handler()));
  // The one without a lease is connected first: it has been quiet longer when the other ends.
  auto sender_off = require_value(ReplicationSender::connect(sender_to(kPortQuietOff, 3000ms, 0ms), {}));
  const auto start = Clock::now();
  RecordedChanges lost_on;
  auto sender_on = require_value(ReplicationSender::connect(sender_to(kPortQuietOn, 3000ms, 0ms), lost_on.handler()));

  REQUIRE(ended_on.wait(10s));
  CHECK(ended_on.at - start >= 300ms);
  CHECK(ended_on.why->code == haven::Errc::timeout);
  CHECK_FALSE(ended_off.happened());
  require_ok(sender_off->wait(sender_off->submit(create_of("still linked"))));
  CHECK_FALSE(sender_off->lost());
  REQUIRE(receiver_off->wait_until_applied(10s));
  CHECK(std::filesystem::exists(quiet_off / "still linked"));
  CHECK(wait_until([&] { return sender_on->lost(); }, 10000ms));
}

TEST_CASE("a keep-alive confirming messages the secondary never sent stops the link", "[link][lease]") {
  namespace asio = boost::asio;
  TempTree secondary;
  StreamEnd ended;
  auto receiver = require_value(ReplicationReceiver::start(receiver_at(kPortBadEcho, 5000ms), secondary.fd(), nullptr, ended.handler()));
  // A peer holding the key whose first frame is a keep-alive claiming 5 messages were read.
  auto psk = require_value(derive_link_psk(test_key(), "lease"));
  auto tls = require_value(make_link_context(psk, false));
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> peer(io, *tls);
  peer.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), kPortBadEcho});
  peer.handshake(asio::ssl::stream_base::client);
  std::vector<std::byte> frame;
  const std::array<std::byte, kKeepaliveBodySize> echo{std::byte{5}};
  append_control_frame(frame, ControlKind::keepalive, 1, echo);
  asio::write(peer, asio::buffer(frame));

  REQUIRE(ended.wait(10s));
  CHECK(ended.why->code == haven::Errc::invalid_argument);
  CHECK(ended.why->message.find("confirmed 5 messages from this secondary, which sent 0") != std::string::npos);
}
