#include "remote/reject_log.hpp"

namespace haven {

std::optional<std::string> RejectLog::record(RejectReason reason, const std::string& detail, Clock::time_point now) {
  auto& slot = slots_[static_cast<std::size_t>(reason)];
  ++slot.total;
  ++slot.unlogged;
  if (slot.last_logged && now - *slot.last_logged < interval_) return std::nullopt;
  std::string line = "refused " + std::to_string(slot.unlogged) + " remote command message" +
                     (slot.unlogged == 1 ? "" : "s") + " (" + to_string(reason) + ")" +
                     (slot.last_logged ? " since the last report" : "") + "; latest: " + detail;
  slot.unlogged = 0;
  slot.last_logged = now;
  return line;
}

}  // namespace haven
