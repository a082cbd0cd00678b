#include <catch2/catch.hpp>

#include "reintegration/bandwidth_limiter.hpp"

using namespace haven::reintegration;
using namespace std::chrono_literals;

namespace {

class ManualClock final : public ReintegrationClock {
 public:
  Duration now() override { return now_; }
  void sleep_until(Duration when) override {
    ++sleeps_;
    now_ = std::max(now_, when);
  }
  void advance(Duration d) { now_ += d; }
  int sleeps_ = 0;

 private:
  Duration now_{0};
};

}  // namespace

TEST_CASE("the limiter lets a burst through at once, then paces to the rate") {
  ManualClock clock;
  BandwidthLimiter limiter(1000, 500, clock);  // 1000 bytes/s, 500 bytes of burst
  limiter.acquire(500);
  CHECK(clock.now() == 0s);
  limiter.acquire(1000);  // 1.5 s of bytes in total, 0.5 s of which is the burst
  CHECK(clock.now() == 1s);
  clock.advance(10s);  // idle: the bucket refills, but no more than the burst
  limiter.acquire(500);
  CHECK(clock.now() == 11s);
  limiter.acquire(1000);
  CHECK(clock.now() == 12s);
}

TEST_CASE("a limiter without a cap never waits") {
  ManualClock clock;
  BandwidthLimiter limiter(0, 0, clock);
  limiter.acquire(1 << 30);
  CHECK(clock.sleeps_ == 0);
  CHECK(bytes_per_second_from_kb(10) == 10240);
}
