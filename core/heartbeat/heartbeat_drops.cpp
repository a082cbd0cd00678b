#include "heartbeat/heartbeat_drops.hpp"

namespace haven {

DropLogLine HeartbeatDrops::take_line(DropReason reason, TimePoint now) {
  auto& s = slots_[index(reason)];
  DropLogLine line{reason, s.unlogged, s.last_detail};
  s.unlogged = 0;
  s.last_logged = now;
  return line;
}

std::optional<DropLogLine> HeartbeatDrops::record(DropReason reason, std::string detail, TimePoint now) {
  auto& s = slots_[index(reason)];
  ++s.total;
  ++s.unlogged;
  s.last_detail = std::move(detail);
  if (s.last_logged && now - *s.last_logged < interval_) return std::nullopt;
  return take_line(reason, now);
}

std::vector<DropLogLine> HeartbeatDrops::due(TimePoint now) {
  std::vector<DropLogLine> lines;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& s = slots_[i];
    if (s.unlogged == 0) continue;
    if (s.last_logged && now - *s.last_logged < interval_) continue;
    lines.push_back(take_line(static_cast<DropReason>(i), now));
  }
  return lines;
}

std::string to_log_text(const DropLogLine& line) {
  return "dropped " + std::to_string(line.count) + (line.count == 1 ? " heartbeat (" : " heartbeats (") +
         to_string(line.reason) + ") since the last report; latest: " + line.last_detail;
}

}  // namespace haven
