// haven SDK: maxloop / loop_interval, the seed product's bound on detector-triggered actions.
//
// A behaviour counts each action a checker, errd or failover rule asks for (a command with an
// identity); more than maxloop of them within the sliding loop_interval and the module is
// stopped instead ("Action stop called by maxloop"). An administrator's command resets it.
// Shared by the behaviours so that every mode counts the same way.
#pragma once

#include <chrono>
#include <deque>

#include "haven/behaviour.hpp"

namespace haven {

class LoopCounter {
 public:
  LoopCounter() = default;
  /// `interval` of zero (or less) disables the limit.
  LoopCounter(int maxloop, std::chrono::milliseconds interval) : maxloop_(maxloop), interval_(interval) {}

  /// Counts one detector-triggered action at `now`. True when it is more than maxloop
  /// within the last `interval`: the caller stops the module instead.
  bool record(TimePoint now) {
    if (interval_.count() <= 0) return false;
    while (!times_.empty() && now - times_.front() >= interval_) times_.pop_front();
    times_.push_back(now);
    return count() > maxloop_;
  }
  /// An administrator acted: forget the count.
  void reset() { times_.clear(); }
  /// Actions counted in the window that ended at the last record().
  int count() const { return static_cast<int>(times_.size()); }
  /// The configured maxloop.
  int maxloop() const { return maxloop_; }
  /// The configured loop_interval.
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  int maxloop_ = 3;
  std::chrono::milliseconds interval_ = std::chrono::hours(24);
  std::deque<TimePoint> times_;
};

}  // namespace haven
