#include <catch2/catch.hpp>

#include "vip/address_announcer.hpp"
#include "vip/announce_schedule.hpp"

using namespace haven::vip;
using namespace std::chrono_literals;

namespace {

// Every announcement after takeover, walking the schedule in simulated time.
std::vector<std::chrono::milliseconds> walk(const AnnounceSchedule& s) {
  const Clock::time_point t0{};
  std::vector<std::chrono::milliseconds> out;
  auto now = t0;
  while (auto next = next_announcement(s, t0, now)) {
    out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*next - t0));
    now = *next;
    if (out.size() > 1000) break;
  }
  return out;
}

}  // namespace

TEST_CASE("without arpreroute only the takeover burst follows the first announcement") {
  haven::config::VipInterface i;
  i.arpreroute = false;
  auto times = walk(AnnounceSchedule::of(i));
  REQUIRE(static_cast<int>(times.size()) == kTakeoverAnnouncements - 1);
  for (std::size_t k = 0; k < times.size(); ++k) CHECK(times[k] == (static_cast<long>(k) + 1) * kTakeoverSpacing);
}

TEST_CASE("arpreroute announces every arpinterval until arpelapse after takeover") {
  haven::config::VipInterface i;
  i.arpreroute = true;  // seed defaults: every 60 s for 1200 s
  auto times = walk(AnnounceSchedule::of(i));
  std::vector<std::chrono::milliseconds> reroutes;
  for (auto t : times)
    if (t >= 60s) reroutes.push_back(t);
  REQUIRE(reroutes.size() == 20);
  CHECK(reroutes.front() == 60s);
  CHECK(reroutes.back() == 1200s);
  for (std::size_t k = 1; k < reroutes.size(); ++k) CHECK(reroutes[k] - reroutes[k - 1] == 60s);
}

TEST_CASE("the schedule honours arpinterval and arpelapse that do not divide evenly") {
  haven::config::VipInterface i;
  i.arpreroute = true;
  i.arpinterval = 7s;
  i.arpelapse = 30s;
  auto times = walk(AnnounceSchedule::of(i));
  std::vector<std::chrono::milliseconds> reroutes(times.end() - 4, times.end());
  CHECK(reroutes == std::vector<std::chrono::milliseconds>{7s, 14s, 21s, 28s});
}

TEST_CASE("a refresh is due once per slot, never again for the same slot") {
  haven::config::VipInterface i;
  i.arpreroute = true;
  i.arpinterval = 10s;
  i.arpelapse = 30s;
  const auto s = AnnounceSchedule::of(i);
  const Clock::time_point t0{};
  CHECK_FALSE(announcement_due(s, t0, t0, t0 + 100ms));
  CHECK(announcement_due(s, t0, t0, t0 + kTakeoverSpacing));
  CHECK(announcement_due(s, t0, t0 + 5s, t0 + 10s));
  CHECK_FALSE(announcement_due(s, t0, t0 + 10s, t0 + 19s));
  // A late timer still sends one announcement for the slots it missed.
  CHECK(announcement_due(s, t0, t0 + 10s, t0 + 25s));
  CHECK_FALSE(announcement_due(s, t0, t0 + 30s, t0 + 100s));
  CHECK_FALSE(next_announcement(s, t0, t0 + 30s).has_value());
}
