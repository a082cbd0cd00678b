#include <catch2/catch.hpp>

#include "config/duration.hpp"

using haven::config::DurationUnit;
using haven::config::parse_duration;
using std::chrono::milliseconds;

namespace {
milliseconds ok(std::string_view text, DurationUnit unit = DurationUnit::milliseconds) {
  auto r = parse_duration(text, unit);
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("every time unit converts to milliseconds", "[config][duration]") {
  CHECK(ok("1500us") == milliseconds(2));
  CHECK(ok("1000us") == milliseconds(1));
  CHECK(ok("700ms") == milliseconds(700));
  CHECK(ok("30s") == milliseconds(30000));
  CHECK(ok("5m") == milliseconds(300000));
  CHECK(ok("24h") == milliseconds(86400000));
  CHECK(ok("2d") == milliseconds(172800000));
  CHECK(ok("0") == milliseconds(0));
  CHECK(ok(" 10 s ") == milliseconds(10000));
}

TEST_CASE("a bare number counts in the attribute's default unit", "[config][duration]") {
  CHECK(ok("700", DurationUnit::milliseconds) == milliseconds(700));
  CHECK(ok("10", DurationUnit::seconds) == milliseconds(10000));
  CHECK(ok("24", DurationUnit::hours) == milliseconds(86400000));
  CHECK(ok("3", DurationUnit::minutes) == milliseconds(180000));
  CHECK(ok("1", DurationUnit::days) == milliseconds(86400000));
  CHECK(ok("1", DurationUnit::microseconds) == milliseconds(1));
}

TEST_CASE("a nonzero microsecond time never rounds to zero", "[config][duration]") {
  CHECK(ok("1us") == milliseconds(1));
}

TEST_CASE("bad times are refused with the text and what is expected", "[config][duration]") {
  for (const char* bad : {"abc", "", "-5s", "1.5s", "10 sec", "ms", "5 5s", "10x", "99999999999999999999"}) {
    auto r = parse_duration(bad, DurationUnit::seconds);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == haven::Errc::invalid_argument);
    CHECK_THAT(r.error().message, Catch::Contains("\"" + std::string(bad) + "\" is not a time"));
    CHECK_THAT(r.error().message, Catch::Contains("e.g. 700ms"));
  }
}

TEST_CASE("durations format back to their shortest exact text", "[config][duration]") {
  using haven::config::format_duration;
  CHECK(format_duration(milliseconds(700)) == "700ms");
  CHECK(format_duration(milliseconds(30000)) == "30s");
  CHECK(format_duration(milliseconds(86400000)) == "1d");
  CHECK(format_duration(milliseconds(0)) == "0s");
}
