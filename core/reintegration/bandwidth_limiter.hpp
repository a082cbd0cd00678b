// The reiallowedbw cap: a token bucket shared by the reintegration workers, on a clock that
// tests replace (live replication is never capped).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace haven::reintegration {

/// Time as reintegration sees it. Thread-safe.
class ReintegrationClock {
 public:
  using Duration = std::chrono::nanoseconds;
  virtual ~ReintegrationClock() = default;
  /// Time since an arbitrary origin, never going back.
  virtual Duration now() = 0;
  /// Returns at `when` or later.
  virtual void sleep_until(Duration when) = 0;
};

/// std::chrono::steady_clock and a real sleep.
ReintegrationClock& steady_reintegration_clock();

/// Lets `bytes_per_second` through on average, with bursts up to `burst_bytes`. 0 = no cap.
class BandwidthLimiter {
 public:
  BandwidthLimiter(std::uint64_t bytes_per_second, std::uint64_t burst_bytes, ReintegrationClock& clock);

  /// Blocks (outside any lock the caller holds, please: never under the ordering lock) until
  /// `bytes` may be sent. Thread-safe.
  void acquire(std::uint64_t bytes);

 private:
  std::uint64_t rate_;
  ReintegrationClock::Duration burst_;
  ReintegrationClock& clock_;
  std::mutex mutex_;
  ReintegrationClock::Duration theoretical_arrival_{0};  // when the bucket would be full again
};

/// reiallowedbw is in KB/s (1 KB = 1024 bytes, as the seed product counts).
inline constexpr std::uint64_t bytes_per_second_from_kb(std::uint64_t kb_per_second) { return kb_per_second * 1024; }

}  // namespace haven::reintegration
