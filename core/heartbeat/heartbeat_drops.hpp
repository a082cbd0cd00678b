// Counts dropped heartbeats per reason and decides when to log them: at most one line per
// reason per interval, carrying how many were dropped since the previous line, so a flood
// of forged packets cannot flood the log. Time is passed in; no clock inside. Not thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "haven/behaviour.hpp"
#include "heartbeat/drop_reason.hpp"

namespace haven {

/// A line to write: `count` drops of `reason` since the previous line for it.
struct DropLogLine {
  DropReason reason = DropReason::bad_mac;
  std::uint64_t count = 0;
  std::string last_detail;  ///< what the latest drop said (sender, field, ...)
};

class HeartbeatDrops {
 public:
  explicit HeartbeatDrops(std::chrono::milliseconds log_interval = std::chrono::seconds(60))
      : interval_(log_interval) {}

  /// Counts one drop. Returns a line to log when none was logged for this reason within the
  /// interval; otherwise the drop waits, counted, for the next line.
  std::optional<DropLogLine> record(DropReason reason, std::string detail, TimePoint now);

  /// Lines for reasons with drops not yet logged whose interval has passed; call it now and
  /// then (each pulse) so the last drops of a burst are reported too.
  std::vector<DropLogLine> due(TimePoint now);

  /// Every drop of this reason since construction.
  std::uint64_t total(DropReason reason) const { return slots_[index(reason)].total; }

 private:
  struct Slot {
    std::uint64_t total = 0;
    std::uint64_t unlogged = 0;
    std::optional<TimePoint> last_logged;
    std::string last_detail;
  };
  static std::size_t index(DropReason r) { return static_cast<std::size_t>(r); }
  DropLogLine take_line(DropReason reason, TimePoint now);

  std::chrono::milliseconds interval_;
  std::array<Slot, kDropReasonCount> slots_{};
};

/// "dropped 12 heartbeats (bad_mac) in the last period; latest: <detail>".
std::string to_log_text(const DropLogLine& line);

}  // namespace haven
