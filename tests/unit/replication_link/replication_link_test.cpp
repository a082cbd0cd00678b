#include <fcntl.h>
#include <sys/resource.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "change_builders.hpp"
#include "result_checks.hpp"
#include "random_changes.hpp"
#include "replication_apply/applier.hpp"
#include "replication_apply/tree_comparison.hpp"
#include "replication_link/replication_receiver.hpp"
#include "replication_link/replication_sender.hpp"
#include "temp_tree.hpp"

using namespace haven::replication;
using namespace std::chrono_literals;

using haven::replication::testing::create_of;
using haven::replication::testing::write_of;

namespace {

// Ports 29400-29449 belong to these tests.
constexpr std::uint16_t kPortInOrder = 29400;
constexpr std::uint16_t kPortWrongKey = 29401;
constexpr std::uint16_t kPortKilled = 29403;
constexpr std::uint16_t kPortSilent = 29404;
constexpr std::uint16_t kPortAfterApply = 29405;
constexpr std::uint16_t kPortApplyError = 29406;
constexpr std::uint16_t kPortBench = 29407;
constexpr std::uint16_t kPortOnePrimary = 29408;
constexpr std::uint16_t kPortBadFrame = 29409;
constexpr std::uint16_t kPortStrangers = 29410;

haven::ClusterKey key_of(std::uint8_t fill) {
  haven::ClusterKey key;
  key.bytes.fill(fill);
  return key;
}

// A logger whose lines the test can read.
struct CapturedLog {
  std::ostringstream lines;
  std::shared_ptr<spdlog::logger> logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  std::string text() {
    logger->flush();
    return lines.str();
  }
};

// The LostHandler's test double: what it was given, in order.
struct RecordedChanges {
  std::mutex mutex;
  std::vector<Change> changes;
  haven::Status operator()(std::span<const Change> batch) {
    std::lock_guard lock(mutex);
    changes.insert(changes.end(), batch.begin(), batch.end());
    return haven::ok_status();
  }
  LostHandler handler() {
    return [this](std::span<const Change> batch) { return (*this)(batch); };
  }
};

ReceiverOptions receiver_options(std::uint16_t port, AckMode mode = AckMode::on_receipt) {
  ReceiverOptions o;
  o.address = "127.0.0.1";
  o.port = port;
  o.module = "mirror";
  o.key = key_of(7);
  o.ack_mode = mode;
  return o;
}

SenderOptions sender_options(std::uint16_t port, std::chrono::milliseconds timeout = 5000ms) {
  SenderOptions o;
  o.address = "127.0.0.1";
  o.port = port;
  o.module = "mirror";
  o.key = key_of(7);
  o.timeout = timeout;
  return o;
}

Change write_of(std::string path, std::uint64_t offset, std::string data) {
  Change c;
  c.kind = ChangeKind::write;
  c.path = std::move(path);
  c.offset = offset;
  c.length = data.size();
  c.data = std::move(data);
  return c;
}

}  // namespace

TEST_CASE("10 000 pipelined changes arrive in order and both trees compare equal", "[link]") {
  const auto seed = GENERATE(take(1, random(1ULL, 1ULL << 40)));
  std::printf("replication link random changes: seed %llu\n", static_cast<unsigned long long>(seed));
  const auto mode = GENERATE(AckMode::on_receipt, AckMode::after_apply);
  TempTree primary, secondary;
  auto in_order = receiver_options(kPortInOrder, mode);
  in_order.max_queued_bytes = 256 * 1024;  // the secondary pauses its reading now and then
  auto receiver = require_value(ReplicationReceiver::start(in_order, secondary.fd()));
  RecordedChanges lost;
  auto options = sender_options(kPortInOrder);
  options.max_bytes_in_flight = 4 * 1024 * 1024;  // small, so back-pressure is exercised too
  auto sender = require_value(ReplicationSender::connect(options, lost.handler()));

  Applier local(primary.fd());
  RandomChanges changes(seed);
  std::vector<ChangeSink::Ticket> tickets;
  for (int i = 0; i < 10'000; ++i) {
    Change c = changes.next();
    INFO("change " << i << ": " << describe_change(c));
    require_ok(local.apply(c));
    tickets.push_back(sender->submit(std::move(c)));
    REQUIRE(tickets.back() == static_cast<std::uint64_t>(i + 1));
  }
  // Several waiters at once, as the file system's threads would.
  std::vector<std::future<bool>> waiters;
  for (int w = 0; w < 4; ++w)
    waiters.push_back(std::async(std::launch::async, [&, w] {
      for (std::size_t i = static_cast<std::size_t>(w); i < tickets.size(); i += 4)
        if (!sender->wait(tickets[i]).ok()) return false;
      return true;
    }));
  for (auto& w : waiters) CHECK(w.get());
  CHECK(sender->acknowledged() == 10'000);
  CHECK_FALSE(sender->lost());
  CHECK(lost.changes.empty());

  REQUIRE(receiver->wait_until_applied(30s));
  CHECK(receiver->applied() == 10'000);
  local.close_open_files();
  auto diffs = require_value(compare_trees(primary.path(), secondary.path()));
  for (const auto& d : diffs) UNSCOPED_INFO(describe(d));
  CHECK(diffs.empty());
}

TEST_CASE("a peer without the cluster key, or of another module, cannot complete the handshake", "[link]") {
  TempTree secondary;
  CapturedLog log;
  bool ended = false;
  {
    auto receiver = require_value(
        ReplicationReceiver::start(receiver_options(kPortWrongKey), secondary.fd(), log.logger, [&](const haven::Error&) { ended = true; }));
    auto wrong_key = sender_options(kPortWrongKey);
    wrong_key.key = key_of(8);
    auto refused = ReplicationSender::connect(wrong_key, {});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == haven::Errc::refused);
    CHECK(refused.error().message.find("TLS handshake failed") != std::string::npos);
    CHECK(refused.error().message.find("127.0.0.1:29401") != std::string::npos);

    auto other_module = sender_options(kPortWrongKey);
    other_module.module = "other";
    CHECK_FALSE(ReplicationSender::connect(other_module, {}).ok());
    CHECK_FALSE(ended);  // a refused handshake is no stream of ours that ended

    // The rightful primary still gets in afterwards.
    auto sender = require_value(ReplicationSender::connect(sender_options(kPortWrongKey), {}));
    require_ok(sender->wait(sender->submit(create_of("ok"))));
  }
  const auto text = log.text();
  INFO(text);
  CHECK(text.find("refused a connection from 127.0.0.1") != std::string::npos);
  CHECK(text.find("TLS handshake failed") != std::string::npos);
}

TEST_CASE("one primary at a time: a second connection is refused", "[link]") {
  TempTree secondary;
  CapturedLog log;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortOnePrimary), secondary.fd(), log.logger));
  auto first = require_value(ReplicationSender::connect(sender_options(kPortOnePrimary), {}));
  require_ok(first->wait(first->submit(create_of("a"))));
  auto second = ReplicationSender::connect(sender_options(kPortOnePrimary, 2000ms), {});
  if (second.ok()) {
    // Should the handshake ever complete before the refusal, the refusal shows as a loss.
    auto sender = std::move(second).value();
    (void)sender->wait(sender->submit(create_of("b")));
    CHECK(sender->lost());
  }
  require_ok(first->wait(first->submit(create_of("c"))));
  CHECK(receiver->wait_until_applied(10s));
  CHECK(std::filesystem::exists(secondary / "c"));
  CHECK_FALSE(std::filesystem::exists(secondary / "b"));
  CHECK(log.text().find("already connected") != std::string::npos);
}

TEST_CASE("finding 3: connections that never start their handshake do not keep the rightful primary out", "[link]") {
  TempTree secondary;
  CapturedLog log;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortStrangers), secondary.fd(), log.logger));
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> strangers;
  // One idle stranger used to take the only place; more than the pending handshakes allowed
  // must push each other out, not the primary.
  for (std::size_t i = 0; i < ReplicationReceiver::kMaxPendingHandshakes + 4; ++i) {
    strangers.emplace_back(io);
    strangers.back().connect({boost::asio::ip::make_address("127.0.0.1"), kPortStrangers});
  }
  auto sender = ReplicationSender::connect(sender_options(kPortStrangers), {});
  INFO(log.text());
  REQUIRE(sender.ok());
  require_ok((*sender)->wait((*sender)->submit(create_of("ok"))));
  CHECK(receiver->wait_until_applied(10s));
  CHECK(std::filesystem::exists(secondary / "ok"));
}

TEST_CASE("when the secondary goes away, every waiting and later change goes to the LostHandler", "[link]") {
  TempTree secondary;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortKilled), secondary.fd()));
  RecordedChanges lost;
  std::string notice;
  std::promise<void> noticed;
  const auto timeout = 2000ms;
  auto sender = require_value(ReplicationSender::connect(sender_options(kPortKilled, timeout), lost.handler(), nullptr, [&](const std::string& why) {
    notice = why;
    noticed.set_value();
  }));
  require_ok(sender->wait(sender->submit(create_of("f"))));
  std::vector<ChangeSink::Ticket> tickets;
  for (int i = 0; i < 2000; ++i) tickets.push_back(sender->submit(write_of("f", static_cast<std::uint64_t>(i) * 100, std::string(100, 'x'))));
  receiver.reset();  // the secondary dies with changes in flight
  for (int i = 0; i < 100; ++i) tickets.push_back(sender->submit(write_of("f", 0, "after")));

  const auto start = std::chrono::steady_clock::now();
  for (auto t : tickets) require_ok(sender->wait(t));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited < timeout + 3s);  // bounded by the timeout (plus a loaded machine's slack)
  REQUIRE(noticed.get_future().wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(notice.empty());
  CHECK(sender->lost());

  // Exactly the unacknowledged ones, in order, then every later one.
  const auto acked = sender->acknowledged();
  REQUIRE(lost.changes.size() == tickets.back() - acked);
  for (std::size_t i = 0; i < lost.changes.size(); ++i) CHECK(lost.changes[i].sequence == acked + 1 + i);
}

TEST_CASE("a secondary that stops acknowledging is declared lost within the timeout", "[link]") {
  // A peer with the key that completes the handshake, reads, and never acknowledges.
  namespace asio = boost::asio;
  auto psk = require_value(derive_link_psk(key_of(7), "mirror"));
  auto tls = require_value(make_link_context(psk, true));
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), kPortSilent});
  asio::ssl::stream<asio::ip::tcp::socket> peer(io, *tls);
  std::thread silent([&] {
    acceptor.accept(peer.lowest_layer());
    boost::system::error_code ec;
    peer.handshake(asio::ssl::stream_base::server, ec);
    char sink[65536];
    while (!ec) peer.read_some(asio::buffer(sink), ec);
  });

  RecordedChanges lost;
  const auto timeout = 500ms;
  auto sender = require_value(ReplicationSender::connect(sender_options(kPortSilent, timeout), lost.handler()));
  const auto start = std::chrono::steady_clock::now();
  require_ok(sender->wait(sender->submit(create_of("f"))));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= timeout);
  CHECK(waited < timeout + 3s);
  CHECK(sender->lost());
  CHECK(sender->lost_reason().find("no acknowledgement within 500 ms") != std::string::npos);
  REQUIRE(lost.changes.size() == 1);
  CHECK(lost.changes[0].path == "f");
  sender.reset();
  silent.join();
}

TEST_CASE("a LostHandler that cannot record makes wait fail rather than pretend", "[link]") {
  TempTree secondary;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortKilled), secondary.fd()));
  auto sender = require_value(ReplicationSender::connect(sender_options(kPortKilled, 1000ms), [](std::span<const Change>) {
    return haven::Status(haven::fail(haven::Errc::io_error, "disk full"));
  }));
  receiver.reset();
  const auto st = sender->wait(sender->submit(create_of("f")));
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("disk full") != std::string::npos);
  CHECK(st.error().message.find("cannot be recorded") != std::string::npos);
}

TEST_CASE("with async none a change is acknowledged only once it is written", "[link]") {
  TempTree secondary;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortAfterApply, AckMode::after_apply), secondary.fd()));
  auto sender = require_value(ReplicationSender::connect(sender_options(kPortAfterApply), {}));
  require_ok(sender->wait(sender->submit(create_of("f"))));
  for (int i = 0; i < 300; ++i) {
    const std::string record = "record " + std::to_string(i) + "\n";
    const auto offset = static_cast<std::uint64_t>(i) * record.size();
    require_ok(sender->wait(sender->submit(write_of("f", offset, record))));
    // No waiting here: the acknowledgement itself says the bytes are in the file.
    const auto contents = secondary.read("f");
    REQUIRE(contents.size() == offset + record.size());
    REQUIRE(contents.substr(offset) == record);
  }
}

TEST_CASE("a change the secondary cannot apply stops the link and is reported", "[link]") {
  TempTree secondary;
  CapturedLog log;
  std::promise<haven::Error> ended;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortApplyError, AckMode::after_apply), secondary.fd(),
                                                           log.logger, [&](const haven::Error& why) { ended.set_value(why); }));
  RecordedChanges lost;
  auto sender = require_value(ReplicationSender::connect(sender_options(kPortApplyError, 2000ms), lost.handler()));
  require_ok(sender->wait(sender->submit(create_of("f"))));
  require_ok(sender->wait(sender->submit(write_of("missing/g", 0, "x"))));  // safe only because recorded
  auto future = ended.get_future();
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  const auto why = future.get();
  CHECK(why.message.find("write #2 of 'missing/g'") != std::string::npos);
  CHECK(why.message.find("not up to date") != std::string::npos);
  CHECK(sender->lost());
  REQUIRE(lost.changes.size() == 1);
  CHECK(lost.changes[0].sequence == 2);
}

TEST_CASE("throughput over loopback: 1 MiB writes and 4 KiB changes", "[.][throughput]") {
  const auto mode = GENERATE(AckMode::on_receipt, AckMode::after_apply);
  TempTree secondary;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortBench, mode), secondary.fd()));
  auto sender = require_value(ReplicationSender::connect(sender_options(kPortBench), {}));
  require_ok(sender->wait(sender->submit(create_of("big"))));
  require_ok(sender->wait(sender->submit(create_of("small"))));

  // Both ends run in this process: CPU time per GiB says what the link costs whatever else
  // the machine is doing, wall time what it reached here.
  auto cpu_seconds = [] {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  auto run = [&](const char* what, std::size_t size, std::size_t count) {
    const double cpu_start = cpu_seconds();
    const std::string data(size, 'h');
    std::vector<ChangeSink::Ticket> tickets;
    tickets.reserve(count);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) tickets.push_back(sender->submit(write_of(size > 4096 ? "big" : "small", (i % 256) * size, data)));
    for (auto t : tickets) require_ok(sender->wait(t));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    const double gib = static_cast<double>(size * count) / (1 << 30);
    std::printf("replication link (%s, ack %s): %zu x %s in %.3f s = %.1f MiB/s, %.0f changes/s; "
                "both ends together %.2f CPU s per GiB (%.1f us per change)\n",
                what, mode == AckMode::on_receipt ? "on receipt" : "after apply", count, size > 4096 ? "1 MiB" : "4 KiB", seconds,
                static_cast<double>(size * count) / seconds / (1 << 20), static_cast<double>(count) / seconds, cpu / gib,
                cpu * 1e6 / static_cast<double>(count));
  };
  run("1 MiB writes", 1 << 20, 512);
  run("4 KiB changes", 4096, 50'000);
  CHECK_FALSE(sender->lost());
}

TEST_CASE("a frame that does not decode stops the link and is reported", "[link]") {
  namespace asio = boost::asio;
  TempTree secondary;
  std::promise<haven::Error> ended;
  auto receiver = require_value(ReplicationReceiver::start(receiver_options(kPortBadFrame), secondary.fd(), nullptr,
                                                           [&](const haven::Error& why) { ended.set_value(why); }));
  // A peer holding the key that sends a frame of junk.
  auto psk = require_value(derive_link_psk(key_of(7), "mirror"));
  auto tls = require_value(make_link_context(psk, false));
  asio::io_context io;
  asio::ssl::stream<asio::ip::tcp::socket> peer(io, *tls);
  peer.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), kPortBadFrame});
  peer.handshake(asio::ssl::stream_base::client);
  const std::array<std::uint8_t, 14> junk{10, 0, 0, 0, 99, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  asio::write(peer, asio::buffer(junk));

  auto future = ended.get_future();
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  const auto why = future.get();
  CHECK(why.code == haven::Errc::invalid_argument);
  CHECK(why.message.find("cannot decode the change after #0") != std::string::npos);
  CHECK(why.message.find("not up to date") != std::string::npos);
  // The secondary closed the link: the peer reads its end.
  std::array<char, 8> ack{};
  boost::system::error_code ec;
  asio::read(peer, asio::buffer(ack), ec);
  CHECK(ec);
}
