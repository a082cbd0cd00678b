// A ChangeSink for tests: numbers and keeps every change, acknowledges at once, or answers
// every wait() with an error when told to (a secondary that is not there).
#pragma once

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "replication/change_sink.hpp"

namespace haven::replication_fs::testing {

class RecordingSink : public replication::ChangeSink {
 public:
  Ticket submit(replication::Change change) override {
    std::lock_guard lock(mutex_);
    change.sequence = ++last_;
    changes_.push_back(std::move(change));
    return last_;
  }
  Status wait(Ticket) override {
    if (fail_waits_) return fail(Errc::io_error, "test sink: the secondary is gone");
    return ok_status();
  }
  /// The changes so far, in submission order, and forgets them.
  std::vector<replication::Change> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(changes_, {});
  }
  void fail_waits(bool on) { fail_waits_ = on; }

 private:
  std::mutex mutex_;
  std::vector<replication::Change> changes_;
  std::uint64_t last_ = 0;
  std::atomic<bool> fail_waits_{false};
};

}  // namespace haven::replication_fs::testing
