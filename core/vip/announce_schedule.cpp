#include "vip/announce_schedule.hpp"

#include <algorithm>

#include "vip/address_announcer.hpp"

namespace haven::vip {

AnnounceSchedule AnnounceSchedule::of(const config::VipInterface& interface) {
  AnnounceSchedule s;
  s.burst_count = kTakeoverAnnouncements;
  s.burst_spacing = kTakeoverSpacing;
  s.reroute = interface.arpreroute;
  s.interval = interface.arpinterval;
  s.elapse = interface.arpelapse;
  return s;
}

std::optional<Clock::time_point> next_announcement(const AnnounceSchedule& s, Clock::time_point takeover,
                                                   Clock::time_point now) {
  std::optional<Clock::time_point> best;
  auto consider = [&](Clock::time_point t) {
    if (t > now && (!best || t < *best)) best = t;
  };
  const auto since = now - takeover;
  if (s.burst_spacing.count() > 0 && s.burst_count > 1) {
    // The first burst round after now, if the burst is not over.
    const auto k = since < Clock::duration::zero() ? 0 : since / s.burst_spacing + 1;
    if (k < s.burst_count) consider(takeover + k * s.burst_spacing);
  }
  if (s.reroute && s.interval.count() > 0) {
    const auto j = std::max<Clock::duration::rep>(1, since < Clock::duration::zero() ? 1 : since / s.interval + 1);
    const auto t = takeover + j * s.interval;
    if (t - takeover <= s.elapse) consider(t);
  }
  return best;
}

bool announcement_due(const AnnounceSchedule& s, Clock::time_point takeover, Clock::time_point last,
                      Clock::time_point now) {
  const auto next = next_announcement(s, takeover, last);
  return next && *next <= now;
}

}  // namespace haven::vip
