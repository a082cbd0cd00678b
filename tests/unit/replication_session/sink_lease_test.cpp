// The primary's hold (core/replication_link/README.md, "The lease") also covers what the
// directory sink records itself once it has dropped a lost sender. No FUSE needed.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "replication_link/replication_receiver.hpp"
#include "replication_link/replication_sender.hpp"
#include "replication_session/directory_sink.hpp"
#include "sink_fixtures.hpp"

using namespace std::chrono_literals;
using haven::replication::Change;
using Clock = std::chrono::steady_clock;

using TempDir = haven::replication_session::testing::SinkTempDir;
using haven::replication_session::testing::create_of;

TEST_CASE("what the sink records after dropping a lost sender waits for that secondary's lease", "[lease]") {
  TempDir secondary, var;
  haven::ClusterKey key;
  key.bytes.fill(3);
  haven::replication::ReceiverOptions receiving;
  receiving.address = "127.0.0.1";
  receiving.module = "sink lease";
  receiving.key = key;
  auto receiver = haven::replication::ReplicationReceiver::start(receiving, secondary.fd);
  REQUIRE(receiver.ok());

  auto record = haven::replication::ChangedRegionsLog::open(var.path / "changed-regions.log");
  REQUIRE(record.ok());
  haven::replication_session::DirectorySink sink(std::move(*record));
  haven::replication::SenderOptions sending;
  sending.address = "127.0.0.1";
  sending.port = (*receiver)->port();
  sending.module = "sink lease";
  sending.key = key;
  sending.timeout = 1500ms;
  sending.keepalive_interval = 100ms;
  auto connected = haven::replication::ReplicationSender::connect(
      sending, [&sink](std::span<const Change> changes) { return sink.record_lost(changes); });
  REQUIRE(connected.ok());
  std::shared_ptr<haven::replication::ReplicationSender> sender = std::move(*connected);
  sink.forward_to(sender);
  REQUIRE(sink.wait(sink.submit(create_of("f"))).ok());

  receiver->reset();  // the secondary goes: the sender reads the end at once
  const auto deadline = Clock::now() + 10s;
  while (!sender->lost() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  REQUIRE(sender->lost());
  const auto lease_end = sender->acknowledge_recorded_from();
  CHECK(lease_end > Clock::now());  // the secondary was heard within the timeout
  sender.reset();  // the sink keeps its own until it drops it

  sink.allow_alone();  // the agent's decision: this node goes on without that secondary
  REQUIRE(sink.wait(sink.submit(create_of("g"))).ok());  // recorded by the sink itself
  CHECK(Clock::now() >= lease_end);
  const auto counters = sink.counters();
  CHECK(counters.lost);
  CHECK(counters.changes_recorded == 1);
}
