// Counts refused remote messages per reason and decides when to log them: at most one line
// per reason per interval, carrying how many were refused since the previous line, so a
// flood of forged requests cannot flood the log. Time is passed in. Not thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "remote/reject_reason.hpp"

namespace haven {

class RejectLog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RejectLog(std::chrono::milliseconds interval = std::chrono::seconds(60)) : interval_(interval) {}

  /// Counts one refusal; returns the line to log now, or nothing when one was logged for
  /// this reason within the interval (the refusal is then counted in the next line).
  std::optional<std::string> record(RejectReason reason, const std::string& detail, Clock::time_point now);

  /// Every refusal of this reason since construction.
  std::uint64_t total(RejectReason reason) const { return slots_[static_cast<std::size_t>(reason)].total; }

 private:
  struct Slot {
    std::uint64_t total = 0;
    std::uint64_t unlogged = 0;
    std::optional<Clock::time_point> last_logged;
  };
  std::chrono::milliseconds interval_;
  std::array<Slot, kRejectReasonCount> slots_{};
};

}  // namespace haven
