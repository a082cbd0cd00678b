// When the sender puts its resource table in a heartbeat, and what the receiver holds of
// the peer's: changes, repeats, refreshes, reordering, a restarted or lost peer.
#include <catch2/catch.hpp>

#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/resource_exchange.hpp"
#include "test_key.hpp"

using namespace haven;

namespace {

using Table = std::map<std::string, std::string>;
constexpr std::size_t kBudget = 1000;

// The sender's view of its own heartbeats: the message each pulse, numbered.
struct Sender {
  ResourceAnnouncer announcer;
  HeartbeatMessage message = test::sample_message();
  HeartbeatMessage next(const Table& table, bool peer_heard = true) {
    ++message.sequence;
    message.resources = announcer.next(table, kBudget, peer_heard);
    return message;
  }
};

int tables_in(Sender& sender, const Table& table, int pulses, bool peer_heard = true) {
  int n = 0;
  for (int i = 0; i < pulses; ++i) n += sender.next(table, peer_heard).resources.included ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a new table goes in the next heartbeats, then once every refresh period") {
  Sender sender;
  const Table table{{"custom.db", "up"}};
  for (int i = 0; i < ResourceAnnouncer::kRepeatAfterChange; ++i) {
    auto m = sender.next(table);
    CHECK(m.resources.included);
    CHECK(m.resources.generation == 1);
    CHECK(m.resources.table == table);
  }
  // Then one heartbeat in kRefreshEvery carries it; the others carry only the generation.
  for (int round = 0; round < 3; ++round) {
    for (int i = 1; i < ResourceAnnouncer::kRefreshEvery; ++i) {
      auto m = sender.next(table);
      CHECK_FALSE(m.resources.included);
      CHECK(m.resources.table.empty());
      CHECK(m.resources.generation == 1);
    }
    CHECK(sender.next(table).resources.included);
  }
}

TEST_CASE("a changed table bumps the generation and goes at once, repeated") {
  Sender sender;
  tables_in(sender, {{"custom.db", "up"}}, 20);
  const Table changed{{"custom.db", "down"}};
  auto m = sender.next(changed);
  CHECK(m.resources.included);
  CHECK(m.resources.generation == 2);
  CHECK(m.resources.table == changed);
  CHECK(tables_in(sender, changed, ResourceAnnouncer::kRepeatAfterChange - 1) ==
        ResourceAnnouncer::kRepeatAfterChange - 1);
  CHECK_FALSE(sender.next(changed).resources.included);
  // A resource added is a change too.
  auto added = sender.next({{"custom.db", "down"}, {"tcp.web", "up"}});
  CHECK(added.resources.included);
  CHECK(added.resources.generation == 3);
}

TEST_CASE("while the peer is not heard every heartbeat carries the table") {
  Sender sender;
  const Table table{{"custom.db", "up"}};
  tables_in(sender, table, 20);
  CHECK(tables_in(sender, table, 25, false) == 25);
  CHECK_FALSE(sender.next(table).resources.included);
}

TEST_CASE("the announcer cuts a table that exceeds the budget and says so") {
  ResourceAnnouncer announcer;
  Table table;
  for (int i = 0; i < 10; ++i) table["custom.r" + std::to_string(i)] = "up";  // 12 bytes each
  auto section = announcer.next(table, 5 * 12, true);
  CHECK(section.included);
  CHECK(section.truncated);
  CHECK(section.table.size() == 5);
  CHECK(section.table.begin()->first == "custom.r0");
}

TEST_CASE("the receiver knows nothing of the peer's resources before its first table") {
  PeerResourceTracker tracker;
  CHECK_FALSE(tracker.resources());
  Sender sender;
  sender.message.resources = {};
  sender.message.resources.generation = 4;
  tracker.take(sender.message);
  CHECK_FALSE(tracker.resources());
  CHECK_FALSE(tracker.stale());
}

TEST_CASE("the receiver holds the latest table and keeps it through heartbeats without one") {
  Sender sender;
  PeerResourceTracker tracker;
  const Table table{{"custom.db", "up"}, {"heartbeat.default", "up"}};
  for (int i = 0; i < 30; ++i) {
    tracker.take(sender.next(table));
    REQUIRE(tracker.resources());
    CHECK(*tracker.resources() == table);
    CHECK_FALSE(tracker.stale());
  }
}

TEST_CASE("a change whose heartbeats are all lost is known to be stale until the refresh brings it") {
  Sender sender;
  PeerResourceTracker tracker;
  for (int i = 0; i < 20; ++i) tracker.take(sender.next({{"custom.db", "up"}}));
  const Table changed{{"custom.db", "down"}};
  for (int i = 0; i < ResourceAnnouncer::kRepeatAfterChange; ++i) sender.next(changed);  // lost
  int pulses = 0;
  while (tracker.resources()->at("custom.db") == "up") {
    tracker.take(sender.next(changed));
    if (tracker.resources()->at("custom.db") == "up") CHECK(tracker.stale());
    REQUIRE(++pulses <= ResourceAnnouncer::kRefreshEvery);
  }
  CHECK_FALSE(tracker.stale());
}

TEST_CASE("an older table arriving after a newer one is ignored") {
  Sender sender;
  PeerResourceTracker tracker;
  auto older = sender.next({{"custom.db", "up"}});
  auto newer = sender.next({{"custom.db", "down"}});
  tracker.take(newer);
  tracker.take(older);
  CHECK(tracker.resources()->at("custom.db") == "down");
}

TEST_CASE("a restarted peer's old table is dropped until its new one arrives") {
  PeerResourceTracker tracker;
  Sender first;
  for (int i = 0; i < 5; ++i) tracker.take(first.next({{"custom.db", "down"}}));
  REQUIRE(tracker.resources());
  auto restarted = test::sample_message();
  restarted.boot.started_unix_ms += 60000;
  restarted.sequence = 0;
  restarted.resources = {};
  restarted.resources.generation = 1;
  tracker.take(restarted);
  CHECK_FALSE(tracker.resources());
  restarted.sequence = 1;
  restarted.resources.included = true;
  restarted.resources.table = {{"custom.db", "up"}};
  tracker.take(restarted);
  CHECK(tracker.resources()->at("custom.db") == "up");
}

TEST_CASE("a lost peer's resources are forgotten until it sends its table again") {
  Sender sender;
  PeerResourceTracker tracker;
  const Table table{{"custom.db", "down"}};
  for (int i = 0; i < 20; ++i) tracker.take(sender.next(table));
  tracker.forget();
  CHECK_FALSE(tracker.resources());
  // Heard again: heartbeats without the table do not bring back the old one.
  int pulses = 0;
  while (!tracker.resources()) {
    tracker.take(sender.next(table));
    REQUIRE(++pulses <= ResourceAnnouncer::kRefreshEvery);
  }
  CHECK(*tracker.resources() == table);
}

TEST_CASE("a truncated table is reported once when it starts and once when it ends") {
  Sender sender;
  PeerResourceTracker tracker;
  auto m = sender.next({{"custom.a", "up"}});
  m.resources.truncated = true;
  CHECK(tracker.take(m) == PeerResourceTracker::Truncation::started);
  CHECK(tracker.truncated());
  for (int i = 0; i < 3; ++i) {
    m.sequence++;
    CHECK(tracker.take(m) == PeerResourceTracker::Truncation::unchanged);
  }
  tracker.forget();
  m.sequence++;
  CHECK(tracker.take(m) == PeerResourceTracker::Truncation::unchanged);  // still cut: not again
  m.sequence++;
  m.resources.truncated = false;
  CHECK(tracker.take(m) == PeerResourceTracker::Truncation::ended);
  CHECK_FALSE(tracker.truncated());
}

TEST_CASE("resources travel from announcer to tracker through the wire format") {
  auto key = test::key_filled_with(6);
  Sender sender;
  PeerResourceTracker tracker;
  Table table{{"custom.peerdb", "up"}, {"usersetting.failover", "on"}};
  for (int pulse = 0; pulse < 40; ++pulse) {
    if (pulse == 17) table["custom.peerdb"] = "down";
    auto back = decode(encode(sender.next(table), key), key);
    REQUIRE(back.ok());
    tracker.take(*back);
    REQUIRE(tracker.resources());
    CHECK(*tracker.resources() == table);
  }
}
