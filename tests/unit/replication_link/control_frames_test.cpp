// The link's control frames: the in-sync marker, requests and their answers, and the
// receiver's tolerance until the marker.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "change_builders.hpp"
#include "result_checks.hpp"
#include "replication_link/replication_receiver.hpp"
#include "replication_link/replication_sender.hpp"
#include "temp_tree.hpp"

using namespace haven::replication;
using namespace std::chrono_literals;

using haven::replication::testing::create_of;
using haven::replication::testing::write_of;

namespace {

// Ports 29420-29429 belong to these tests.
constexpr std::uint16_t kPortMarker = 29420;
constexpr std::uint16_t kPortTolerant = 29421;
constexpr std::uint16_t kPortRequest = 29422;
constexpr std::uint16_t kPortSlowAnswer = 29423;
constexpr std::uint16_t kPortBigAnswer = 29424;

haven::ClusterKey test_key() {
  haven::ClusterKey key;
  key.bytes.fill(9);
  return key;
}

ReceiverOptions receiver_at(std::uint16_t port, AckMode mode = AckMode::on_receipt) {
  ReceiverOptions o;
  o.address = "127.0.0.1";
  o.port = port;
  o.module = "mirror dir 0";
  o.key = test_key();
  o.ack_mode = mode;
  return o;
}

SenderOptions sender_to(std::uint16_t port, std::chrono::milliseconds timeout = 5000ms) {
  SenderOptions o;
  o.address = "127.0.0.1";
  o.port = port;
  o.module = "mirror dir 0";
  o.key = test_key();
  o.timeout = timeout;
  return o;
}

std::vector<std::byte> bytes_of(const std::string& text) {
  const auto* b = reinterpret_cast<const std::byte*>(text.data());
  return {b, b + text.size()};
}

std::string text_of(const std::vector<std::byte>& bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

}  // namespace

TEST_CASE("the in-sync marker is told once every change before it is applied, and acknowledged like one", "[link]") {
  const auto mode = GENERATE(AckMode::on_receipt, AckMode::after_apply);
  TempTree secondary;
  std::promise<std::string> marker;
  auto options = receiver_at(kPortMarker, mode);
  options.on_in_sync_marker = [&] { marker.set_value(secondary.read("f")); };
  auto receiver = require_value(ReplicationReceiver::start(options, secondary.fd()));
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortMarker), {}));
  sender->submit(create_of("f"));
  for (int i = 0; i < 100; ++i) sender->submit(write_of("f", "applied before the marker " + std::to_string(i)));
  const auto ticket = sender->submit_marker();
  require_ok(sender->wait(ticket));
  CHECK(sender->acknowledged() == ticket);
  auto told = marker.get_future();
  REQUIRE(told.wait_for(10s) == std::future_status::ready);
  CHECK(told.get() == "applied before the marker 99");
  // Changes after the marker keep their sequence.
  require_ok(sender->wait(sender->submit(write_of("f", "after"))));
  REQUIRE(receiver->wait_until_applied(10s));
  CHECK(receiver->applied() == ticket + 1);
}

TEST_CASE("until the marker a change to a path not there yet is skipped; after it, it ends the stream", "[link]") {
  TempTree secondary;
  std::mutex mutex;
  std::vector<std::string> ended;
  std::promise<void> ended_once;
  auto options = receiver_at(kPortTolerant, AckMode::after_apply);
  options.tolerant_until_marker = true;
  auto receiver = require_value(ReplicationReceiver::start(options, secondary.fd(), nullptr, [&](const haven::Error& why) {
    std::lock_guard lock(mutex);
    ended.push_back(why.message);
    if (ended.size() == 1) ended_once.set_value();
  }));
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortTolerant), {}));
  require_ok(sender->wait(sender->submit(write_of("not-yet", "live change racing the reintegration"))));
  require_ok(sender->wait(sender->submit(create_of("created"))));
  require_ok(sender->wait(sender->submit_marker()));
  {
    std::lock_guard lock(mutex);
    CHECK(ended.empty());
  }
  CHECK(std::filesystem::exists(secondary / "created"));
  CHECK_FALSE(std::filesystem::exists(secondary / "not-yet"));
  (void)sender->wait(sender->submit(write_of("still-missing", "strict again")));
  REQUIRE(ended_once.get_future().wait_for(10s) == std::future_status::ready);
  std::lock_guard lock(mutex);
  CHECK(ended.front().find("still-missing") != std::string::npos);
}

TEST_CASE("a request is answered after the changes before it are applied; an error comes back as the answer", "[link]") {
  TempTree secondary;
  auto options = receiver_at(kPortRequest);
  options.on_request = [&](std::span<const std::byte> request) -> haven::Result<std::vector<std::byte>> {
    const std::string asked(reinterpret_cast<const char*>(request.data()), request.size());
    if (asked == "fail") return haven::fail(haven::Errc::io_error, "cannot read /srv/data/x on the secondary");
    return bytes_of(asked + ": " + secondary.read("f"));
  };
  auto receiver = require_value(ReplicationReceiver::start(options, secondary.fd()));
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortRequest), {}));
  sender->submit(create_of("f"));
  sender->submit(write_of("f", "content"));
  CHECK(text_of(require_value(sender->request(bytes_of("what"), "the test's question"))) == "what: content");

  auto refused = sender->request(bytes_of("fail"), "the manifest of /srv/data");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("the manifest of /srv/data") != std::string::npos);
  CHECK(refused.error().message.find("cannot read /srv/data/x on the secondary") != std::string::npos);
  CHECK_FALSE(sender->lost());
  require_ok(sender->wait(sender->submit(write_of("f", "the link still works"))));
}

TEST_CASE("a slow answer keeps the link alive with the secondary's working notices", "[link]") {
  TempTree secondary;
  auto options = receiver_at(kPortSlowAnswer, AckMode::after_apply);
  options.handshake_timeout = 400ms;  // notices every 100 ms
  options.on_request = [](std::span<const std::byte>) -> haven::Result<std::vector<std::byte>> {
    std::this_thread::sleep_for(1500ms);  // longer than the primary's timeout below
    return bytes_of("done");
  };
  auto receiver = require_value(ReplicationReceiver::start(options, secondary.fd()));
  auto sender = require_value(ReplicationSender::connect(sender_to(kPortSlowAnswer, 700ms), {}));
  CHECK(text_of(require_value(sender->request(bytes_of("manifest"), "a slow manifest"))) == "done");
  CHECK_FALSE(sender->lost());
}

TEST_CASE("an answer over either end's limit is refused with the sizes named", "[link]") {
  TempTree secondary;
  auto options = receiver_at(kPortBigAnswer);
  options.max_reply_bytes = 1000;
  options.on_request = [](std::span<const std::byte> request) -> haven::Result<std::vector<std::byte>> {
    return std::vector<std::byte>(request.size() == 1 ? 5000 : 500, std::byte{'m'});
  };
  auto receiver = require_value(ReplicationReceiver::start(options, secondary.fd()));
  auto limited = sender_to(kPortBigAnswer);
  limited.max_reply_bytes = 100;
  auto sender = require_value(ReplicationSender::connect(limited, [](std::span<const Change>) { return haven::ok_status(); }));
  // Over the secondary's limit: it answers with an error instead.
  auto big = sender->request(bytes_of("x"), "a huge manifest");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message.find("5000 bytes is over the limit of 1000") != std::string::npos);
  // Over the primary's: the link is dropped (the secondary is lost), never read into memory.
  auto over = sender->request(bytes_of("xx"), "a manifest");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().message.find("over the limit of 100 bytes") != std::string::npos);
  CHECK(sender->lost());
}
