#include "heartbeat/replay_window.hpp"

namespace haven {

ReplayWindow::Verdict ReplayWindow::admit(const HeartbeatMessage& message) {
  auto key = std::make_pair(message.sender_node, message.module);
  auto it = senders_.find(key);
  ++admissions_;
  if (it == senders_.end()) {
    if (senders_.size() >= kMaxSenders) {
      auto oldest = senders_.begin();
      for (auto i = senders_.begin(); i != senders_.end(); ++i)
        if (i->second.last_admitted < oldest->second.last_admitted) oldest = i;
      senders_.erase(oldest);
    }
    senders_.emplace(key, SenderWindow{message.boot, message.sequence, 1, admissions_});
    return Verdict::accepted_new_boot;
  }
  auto& w = it->second;
  if (message.boot != w.boot) {
    // Equal start times with another nonce cannot be ordered: refuse rather than guess.
    if (message.boot.started_unix_ms <= w.boot.started_unix_ms) return Verdict::stale_boot;
    w = SenderWindow{message.boot, message.sequence, 1, admissions_};
    return Verdict::accepted_new_boot;
  }
  w.last_admitted = admissions_;
  if (message.sequence > w.highest) {
    auto shift = message.sequence - w.highest;
    w.seen = shift >= 64 ? 0 : w.seen << shift;
    w.seen |= 1;
    w.highest = message.sequence;
    return Verdict::accepted;
  }
  auto age = w.highest - message.sequence;
  if (age >= kWindow) return Verdict::replayed;
  auto bit = std::uint64_t{1} << age;
  if (w.seen & bit) return Verdict::replayed;
  w.seen |= bit;
  return Verdict::accepted;
}

bool ReplayWindow::holds(const HeartbeatMessage& message) const {
  auto it = senders_.find(std::make_pair(message.sender_node, message.module));
  if (it == senders_.end() || it->second.boot != message.boot || message.sequence > it->second.highest) return false;
  const auto age = it->second.highest - message.sequence;
  return age < kWindow && (it->second.seen & (std::uint64_t{1} << age)) != 0;
}

const char* to_string(ReplayWindow::Verdict v) noexcept {
  switch (v) {
    case ReplayWindow::Verdict::accepted: return "accepted";
    case ReplayWindow::Verdict::accepted_new_boot: return "accepted_new_boot";
    case ReplayWindow::Verdict::replayed: return "replayed";
    case ReplayWindow::Verdict::stale_boot: return "stale_boot";
  }
  return "replayed";
}

DropReason drop_reason(ReplayWindow::Verdict v) noexcept {
  return v == ReplayWindow::Verdict::stale_boot ? DropReason::stale_boot : DropReason::replayed;
}

}  // namespace haven
