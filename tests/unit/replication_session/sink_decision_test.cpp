// A write the lost secondary lacks is acknowledged only once the node decides to go on alone
// (DirectorySink::allow_alone), fails when it leaves the primary role instead
// (refuse_unforwarded), and nothing is acknowledged after a fence. No FUSE needed.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "replication_link/replication_receiver.hpp"
#include "replication_link/replication_sender.hpp"
#include "replication_session/directory_sink.hpp"
#include "sink_fixtures.hpp"

using namespace std::chrono_literals;
using haven::replication::Change;
using haven::replication_session::DirectorySink;
using Clock = std::chrono::steady_clock;

using TempDir = haven::replication_session::testing::SinkTempDir;
using haven::replication_session::testing::create_of;

namespace {

// A sink forwarding to a live secondary over loopback (no lease hold: keep-alives off).
struct ForwardingSink {
  TempDir secondary, var;
  haven::ClusterKey key;
  std::unique_ptr<haven::replication::ReplicationReceiver> receiver;
  std::unique_ptr<DirectorySink> sink;
  std::shared_ptr<haven::replication::ReplicationSender> sender;

  ForwardingSink() {
    key.bytes.fill(5);
    auto record = haven::replication::ChangedRegionsLog::open(var.path / "changed-regions.log");
    REQUIRE(record.ok());
    sink = std::make_unique<DirectorySink>(std::move(*record));
    connect_secondary();
  }

  // A secondary (again, after a loss): a receiver, and the sink forwarding to it.
  void connect_secondary() {
    haven::replication::ReceiverOptions receiving;
    receiving.address = "127.0.0.1";
    receiving.module = "sink decision";
    receiving.key = key;
    auto started = haven::replication::ReplicationReceiver::start(receiving, secondary.fd);
    REQUIRE(started.ok());
    receiver = std::move(*started);
    haven::replication::SenderOptions sending;
    sending.address = "127.0.0.1";
    sending.port = receiver->port();
    sending.module = "sink decision";
    sending.key = key;
    sending.timeout = 1500ms;
    DirectorySink* s = sink.get();
    auto connected = haven::replication::ReplicationSender::connect(
        sending, [s](std::span<const Change> changes) { return s->record_lost(changes); });
    REQUIRE(connected.ok());
    sender = std::move(*connected);
    sink->forward_to(sender);
  }

  // The secondary goes away; returns once the sender has noticed.
  void lose_secondary() {
    receiver.reset();
    const auto deadline = Clock::now() + 10s;
    while (!sender->lost() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    REQUIRE(sender->lost());
  }

  std::future<haven::Status> wait_async(DirectorySink::Ticket ticket) {
    return std::async(std::launch::async, [this, ticket] { return sink->wait(ticket); });
  }
};

bool still_waiting(std::future<haven::Status>& f) { return f.wait_for(300ms) == std::future_status::timeout; }

}  // namespace

TEST_CASE("a sink that never forwarded (a primary starting ALONE) acknowledges what it records", "[decision]") {
  TempDir var;
  auto record = haven::replication::ChangedRegionsLog::open(var.path / "changed-regions.log");
  REQUIRE(record.ok());
  DirectorySink sink(std::move(*record));
  CHECK(sink.wait(sink.submit(create_of("alone"))).ok());
  CHECK(sink.held() == 0);
}

TEST_CASE("a write the lost secondary lacks waits for the decision, and allow_alone acknowledges it", "[decision]") {
  ForwardingSink f;
  REQUIRE(f.sink->wait(f.sink->submit(create_of("before"))).ok());
  f.lose_secondary();

  auto pending = f.wait_async(f.sink->submit(create_of("after")));
  REQUIRE(still_waiting(pending));
  CHECK(f.sink->held() == 1);
  // Recorded already: a crash now leaves it for the reintegration.
  bool intact = false;
  CHECK(f.sink->recorded_regions(intact).count("after") == 1);

  f.sink->allow_alone();
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK(pending.get().ok());
  CHECK(f.sink->held() == 0);
  // Decided: later writes are acknowledged at once.
  CHECK(f.sink->wait(f.sink->submit(create_of("later"))).ok());
}

TEST_CASE("refuse_unforwarded fails the writes the lost secondary lacks, until a new decision", "[decision]") {
  ForwardingSink f;
  f.lose_secondary();
  auto pending = f.wait_async(f.sink->submit(create_of("held")));
  REQUIRE(still_waiting(pending));

  f.sink->refuse_unforwarded("module m: this node leaves the primary role (WAIT)");
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  auto refused = pending.get();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == haven::Errc::io_error);
  CHECK(refused.error().message.find("leaves the primary role") != std::string::npos);
  CHECK_FALSE(f.sink->wait(f.sink->submit(create_of("next"))).ok());
  // The node goes on alone after all (a restart that kept the role, then ALONE): from then on.
  f.sink->allow_alone();
  CHECK(f.sink->wait(f.sink->submit(create_of("again"))).ok());
}

TEST_CASE("going ALONE while the secondary is still connected does not decide for its later loss", "[decision]") {
  ForwardingSink f;
  f.sink->allow_alone();  // ALONE for a moment (a split brain seen and healed), the link still up
  f.lose_secondary();
  auto pending = f.wait_async(f.sink->submit(create_of("lost later")));
  CHECK(still_waiting(pending));
  f.sink->refuse_unforwarded("module m: this node leaves the primary role (WAIT)");
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK_FALSE(pending.get().ok());
}

TEST_CASE("a write caught in flight by the loss of the secondary waits for the decision too", "[decision]") {
  ForwardingSink f;
  // Submitted to the live sender, but the secondary goes before acknowledging.
  f.receiver.reset();
  auto pending = f.wait_async(f.sink->submit(create_of("in flight")));
  REQUIRE(still_waiting(pending));
  const auto deadline = Clock::now() + 10s;
  while (f.sink->held() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  CHECK(f.sink->held() == 1);
  f.sink->allow_alone();
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK(pending.get().ok());
}

TEST_CASE("a new secondary's loss needs a new decision", "[decision]") {
  ForwardingSink f;
  f.lose_secondary();
  f.sink->allow_alone();
  CHECK(f.sink->wait(f.sink->submit(create_of("alone"))).ok());

  // The secondary comes back: forwarding again, and undecided again once it is lost.
  f.connect_secondary();
  CHECK(f.sink->wait(f.sink->submit(create_of("forwarded"))).ok());
  f.lose_secondary();
  auto pending = f.wait_async(f.sink->submit(create_of("lost again")));
  CHECK(still_waiting(pending));
  f.sink->allow_alone();
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK(pending.get().ok());
}

TEST_CASE("a fence returns once the live secondary acknowledged what was in flight; nothing after it is", "[decision]") {
  ForwardingSink f;
  std::vector<DirectorySink::Ticket> tickets;
  for (int i = 0; i < 200; ++i) tickets.push_back(f.sink->submit(create_of("file-" + std::to_string(i))));
  f.sink->fence("module m: this node left the primary role");
  CHECK(f.sender->acknowledged() == tickets.size());
  for (auto t : tickets) CHECK(f.sink->wait(t).ok());
  auto refused = f.sink->wait(f.sink->submit(create_of("after the fence")));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("left the primary role") != std::string::npos);
}


TEST_CASE("a decision is not undone by the next secondary: a write waiting across the reconnection is released",
          "[decision]") {
  ForwardingSink f;
  f.lose_secondary();
  const auto ticket = f.sink->submit(create_of("lost"));
  f.sink->allow_alone();
  f.connect_secondary();  // before the writer's thread came to wait (a lease kept it asleep)
  auto pending = f.wait_async(ticket);
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK(pending.get().ok());
}

TEST_CASE("a write the lost secondary lacks is released once the next secondary is in sync", "[decision]") {
  ForwardingSink f;
  f.lose_secondary();
  auto pending = f.wait_async(f.sink->submit(create_of("lost")));
  REQUIRE(still_waiting(pending));
  f.connect_secondary();
  CHECK(still_waiting(pending));  // connected is not enough: the new secondary must hold it
  REQUIRE(f.sink->send_in_sync_marker().ok());
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK(pending.get().ok());
}
