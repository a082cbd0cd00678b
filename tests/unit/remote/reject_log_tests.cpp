#include <catch2/catch.hpp>

#include "remote/reject_log.hpp"

using haven::RejectLog;
using haven::RejectReason;
using namespace std::chrono_literals;

TEST_CASE("refusals are logged at most once per reason per interval, with the count since the last line",
          "[remote][rejects]") {
  RejectLog log(60s);
  const RejectLog::Clock::time_point t0{};
  auto first = log.record(RejectReason::bad_mac, "from node9", t0);
  REQUIRE(first);
  CHECK_THAT(*first, Catch::Contains("bad_mac") && Catch::Contains("from node9"));
  for (int i = 0; i < 100; ++i) CHECK_FALSE(log.record(RejectReason::bad_mac, "again", t0 + 1s));
  CHECK(log.record(RejectReason::replayed, "other reason", t0 + 1s));
  auto later = log.record(RejectReason::bad_mac, "last", t0 + 61s);
  REQUIRE(later);
  CHECK_THAT(*later, Catch::Contains("refused 101 "));
  CHECK(log.total(RejectReason::bad_mac) == 102);
}
