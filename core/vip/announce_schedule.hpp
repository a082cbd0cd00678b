// When a held virtual address is announced again: the takeover burst, then, with
// arpreroute="on", every arpinterval until arpelapse after takeover (the seed product's
// defaults: every 60 s for 1200 s). Pure: time is given, never read.
#pragma once

#include <chrono>
#include <optional>

#include "config/user_config.hpp"

namespace haven::vip {

using Clock = std::chrono::steady_clock;

struct AnnounceSchedule {
  int burst_count = 1;                          ///< rounds at takeover, the first at once
  std::chrono::milliseconds burst_spacing{0};
  bool reroute = false;                         ///< arpreroute
  std::chrono::milliseconds interval{60000};    ///< arpinterval
  std::chrono::milliseconds elapse{1200000};    ///< arpelapse

  /// The schedule of an `<interface>`: kTakeoverAnnouncements / kTakeoverSpacing, and its
  /// arpreroute, arpinterval and arpelapse.
  static AnnounceSchedule of(const config::VipInterface& interface);
};

/// The first announcement strictly after `now`, for addresses taken at `takeover`; nullopt
/// when none is left. The round at `takeover` itself is the one take() sends.
std::optional<Clock::time_point> next_announcement(const AnnounceSchedule& s, Clock::time_point takeover,
                                                   Clock::time_point now);

/// True when an announcement falls in (`last`, `now`]: one is due that has not been sent.
bool announcement_due(const AnnounceSchedule& s, Clock::time_point takeover, Clock::time_point last,
                      Clock::time_point now);

}  // namespace haven::vip
