#include "reintegration/bandwidth_limiter.hpp"

#include <algorithm>
#include <thread>

namespace haven::reintegration {
namespace {

class SteadyClock final : public ReintegrationClock {
 public:
  Duration now() override { return std::chrono::steady_clock::now().time_since_epoch(); }
  void sleep_until(Duration when) override {
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(when)));
  }
};

}  // namespace

ReintegrationClock& steady_reintegration_clock() {
  static SteadyClock clock;
  return clock;
}

BandwidthLimiter::BandwidthLimiter(std::uint64_t bytes_per_second, std::uint64_t burst_bytes, ReintegrationClock& clock)
    : rate_(bytes_per_second),
      burst_(bytes_per_second == 0 ? ReintegrationClock::Duration{0}
                                   : ReintegrationClock::Duration(static_cast<std::int64_t>(static_cast<double>(burst_bytes) * 1e9 / static_cast<double>(bytes_per_second)))),
      clock_(clock) {}

void BandwidthLimiter::acquire(std::uint64_t bytes) {
  if (rate_ == 0 || bytes == 0) return;
  ReintegrationClock::Duration wake{0};
  {
    // The generic cell rate algorithm: each byte pushes the theoretical arrival time by
    // 1/rate; a caller whose push lands beyond the burst allowance sleeps off the excess.
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    const auto cost = ReintegrationClock::Duration(static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 / static_cast<double>(rate_)));
    theoretical_arrival_ = std::max(theoretical_arrival_, now) + cost;
    wake = theoretical_arrival_ - burst_;
    if (wake <= now) return;
  }
  clock_.sleep_until(wake);
}

}  // namespace haven::reintegration
