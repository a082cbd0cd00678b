#include "loop_counter.hpp"

namespace haven::mirror {

bool LoopCounter::record(TimePoint now) {
  if (interval_.count() <= 0) return false;
  while (!times_.empty() && now - times_.front() >= interval_) times_.pop_front();
  times_.push_back(now);
  return count() > maxloop_;
}

}  // namespace haven::mirror
