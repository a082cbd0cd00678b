// maxloop / loop_interval: how many detector-triggered actions a module may take in a
// sliding window before it is stopped instead ("Action stop called by maxloop").
#pragma once

#include <chrono>
#include <deque>

#include "haven/behaviour.hpp"

namespace haven::mirror {

class LoopCounter {
 public:
  LoopCounter() = default;
  /// `interval` of zero disables the limit.
  LoopCounter(int maxloop, std::chrono::milliseconds interval) : maxloop_(maxloop), interval_(interval) {}

  /// Counts one detector-triggered action at `now`. True when it is more than maxloop
  /// within the last `interval`: the caller stops the module instead.
  bool record(TimePoint now);
  /// An administrator acted: forget the count.
  void reset() { times_.clear(); }
  /// Actions counted in the window that ended at the last record().
  int count() const { return static_cast<int>(times_.size()); }
  int maxloop() const { return maxloop_; }
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  int maxloop_ = 3;
  std::chrono::milliseconds interval_ = std::chrono::hours(24);
  std::deque<TimePoint> times_;
};

}  // namespace haven::mirror
