#include "heartbeat/resource_exchange.hpp"

#include "heartbeat/heartbeat_message.hpp"

namespace haven {

HeartbeatResources ResourceAnnouncer::next(const std::map<std::string, std::string>& table, std::size_t budget,
                                           bool peer_heard) {
  if (!last_ || *last_ != table) {
    last_ = table;
    ++generation_;
    if (generation_ == 0) generation_ = 1;  // 0 means "no table yet"
    repeats_left_ = kRepeatAfterChange;
  }
  HeartbeatResources out;
  out.generation = generation_;
  out.included = repeats_left_ > 0 || !peer_heard || since_table_ + 1 >= kRefreshEvery;
  if (!out.included) {
    ++since_table_;
    return out;
  }
  if (repeats_left_ > 0) --repeats_left_;
  since_table_ = 0;
  auto fit = fit_resources(table, budget);
  out.table = std::move(fit.table);
  out.truncated = fit.truncated;
  return out;
}

PeerResourceTracker::Truncation PeerResourceTracker::take(const HeartbeatMessage& message) {
  if (!boot_ || !(*boot_ == message.boot)) {
    boot_ = message.boot;
    table_.reset();
  }
  latest_generation_ = message.resources.generation;
  if (!message.resources.included) return Truncation::unchanged;
  if (table_ && message.sequence <= table_sequence_) return Truncation::unchanged;
  table_ = message.resources.table;
  table_sequence_ = message.sequence;
  table_generation_ = message.resources.generation;
  if (message.resources.truncated == truncated_) return Truncation::unchanged;
  truncated_ = message.resources.truncated;
  return truncated_ ? Truncation::started : Truncation::ended;
}

void PeerResourceTracker::forget() {
  // The boot stays: the same run of the peer heard again must send its table before it counts,
  // and truncated_ stays, so a table still cut after the peer returns is not logged again.
  table_.reset();
}

}  // namespace haven
