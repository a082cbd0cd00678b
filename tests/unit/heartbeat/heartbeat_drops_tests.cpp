#include <catch2/catch.hpp>

#include "heartbeat/heartbeat_drops.hpp"

using namespace haven;
using namespace std::chrono_literals;

TEST_CASE("the first drop of a reason is logged at once, later ones wait for the interval") {
  HeartbeatDrops drops(10s);
  TimePoint t0{};
  auto first = drops.record(DropReason::bad_mac, "from 10.0.0.2", t0);
  REQUIRE(first);
  CHECK(first->count == 1);
  CHECK(first->last_detail == "from 10.0.0.2");

  for (int i = 0; i < 99; ++i) CHECK_FALSE(drops.record(DropReason::bad_mac, "x", t0 + 1s));
  CHECK_FALSE(drops.record(DropReason::bad_mac, "x", t0 + 9999ms));

  auto next = drops.record(DropReason::bad_mac, "from 10.0.0.9", t0 + 10s);
  REQUIRE(next);
  CHECK(next->count == 101);
  CHECK(next->last_detail == "from 10.0.0.9");
  CHECK(drops.total(DropReason::bad_mac) == 102);
}

TEST_CASE("each reason has its own rate limit") {
  HeartbeatDrops drops(10s);
  TimePoint t0{};
  CHECK(drops.record(DropReason::bad_mac, "a", t0));
  CHECK(drops.record(DropReason::replayed, "b", t0));
  CHECK_FALSE(drops.record(DropReason::bad_mac, "c", t0 + 1s));
  CHECK(drops.total(DropReason::replayed) == 1);
  CHECK(drops.total(DropReason::too_short) == 0);
}

TEST_CASE("drops held back are reported by due once their interval has passed, and only once") {
  HeartbeatDrops drops(10s);
  TimePoint t0{};
  REQUIRE(drops.record(DropReason::other_cluster, "a", t0));
  REQUIRE_FALSE(drops.record(DropReason::other_cluster, "b", t0 + 2s));
  REQUIRE_FALSE(drops.record(DropReason::other_cluster, "c", t0 + 3s));
  CHECK(drops.due(t0 + 9s).empty());
  auto lines = drops.due(t0 + 10s);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].reason == DropReason::other_cluster);
  CHECK(lines[0].count == 2);
  CHECK(drops.due(t0 + 30s).empty());
  CHECK_THAT(to_log_text(lines[0]), Catch::Contains("dropped 2 heartbeats (other_cluster)") &&
                                        Catch::Contains("latest: c"));
}

TEST_CASE("after a quiet interval the next drop is logged at once again") {
  HeartbeatDrops drops(10s);
  TimePoint t0{};
  REQUIRE(drops.record(DropReason::too_short, "a", t0));
  auto later = drops.record(DropReason::too_short, "b", t0 + 1h);
  REQUIRE(later);
  CHECK(later->count == 1);
}
