#include "heartbeat/peer_freshness.hpp"

#include <algorithm>

namespace haven {

PeerFreshness::PeerFreshness(std::string peer_node, std::string module, BootId own_boot,
                             std::chrono::milliseconds horizon, std::size_t lans)
    : peer_node_(std::move(peer_node)),
      module_(std::move(module)),
      own_boot_(own_boot),
      horizon_(horizon),
      lan_highest_(std::max<std::size_t>(lans, 1)) {}

void PeerFreshness::sent(std::uint64_t sequence, TimePoint now) {
  if (!sent_.empty() && sequence <= sent_.back().first) return;
  sent_.emplace_back(sequence, now);
  while (sent_.size() > kMaxRemembered) sent_.pop_front();
  forget_sent_before(now - horizon_);
}

void PeerFreshness::forget_sent_before(TimePoint oldest) {
  while (!sent_.empty() && sent_.front().second < oldest) sent_.pop_front();
}

bool PeerFreshness::echoes_recent(const HeartbeatMessage& message, TimePoint now) {
  forget_sent_before(now - horizon_);
  if (message.echo_nonce != own_boot_.nonce || sent_.empty()) return false;
  return message.echo_sequence >= sent_.front().first && message.echo_sequence <= sent_.back().first;
}

void PeerFreshness::remember_echo(const HeartbeatMessage& message) {
  // Only forward: a replayed older heartbeat must not make our echo older. A boot is known
  // by its nonce here, as the echo carries only that.
  if (message.boot.nonce == echo_.nonce) {
    if (message.sequence > echo_sequence_) echo_sequence_ = message.sequence;
  } else if (echo_.nonce == 0 || message.boot.started_unix_ms > echo_.started_unix_ms) {
    echo_ = message.boot;
    echo_sequence_ = message.sequence;
  }
}

PeerFreshness::Verdict PeerFreshness::admit(const HeartbeatMessage& message, std::size_t lan, TimePoint now,
                                           std::uint64_t now_unix_ms) {
  Verdict v;
  if (lan >= lan_highest_.size()) lan = lan_highest_.size() - 1;
  if (message.sender_node != peer_node_ || message.module != module_) {
    v.reason = DropReason::other_sender;
    v.detail = "node " + message.sender_node + ", module " + message.module + "; this agent pairs with node " +
               peer_node_ + " for module " + module_;
    return v;
  }
  remember_echo(message);
  const auto horizon_ms = static_cast<std::uint64_t>(horizon_.count());
  const auto skew = message.sent_unix_ms > now_unix_ms ? message.sent_unix_ms - now_unix_ms
                                                       : now_unix_ms - message.sent_unix_ms;
  if (!echoes_recent(message, now) && skew > horizon_ms) {
    v.reason = DropReason::stale;
    v.detail = "node " + message.sender_node + ", module " + message.module + ", sequence " +
               std::to_string(message.sequence) + ": sent at " + std::to_string(message.sent_unix_ms) +
               " ms, our clock says " + std::to_string(now_unix_ms) + " ms (more than the " +
               std::to_string(horizon_ms) + " ms timeout apart), and it echoes no heartbeat we sent in that time: "
               "a replay, or clocks apart while the peer cannot hear us";
    return v;
  }
  auto& on_lan = lan_highest_[lan];
  if (window_.holds(message)) {
    // Each heartbeat goes out on every lan: its copy on a lan that has not carried it yet is
    // news about that lan, not a replay. On the same lan twice, it is one.
    if (!on_lan || message.sequence > *on_lan) {
      on_lan = message.sequence;
      v.heard_again = true;
      return v;
    }
  }
  const auto verdict = window_.admit(message);
  if (verdict == ReplayWindow::Verdict::replayed || verdict == ReplayWindow::Verdict::stale_boot) {
    v.reason = drop_reason(verdict);
    v.detail = "node " + message.sender_node + ", module " + message.module + ", sequence " +
               std::to_string(message.sequence) + ", boot started at " +
               std::to_string(message.boot.started_unix_ms) + " ms";
    return v;
  }
  v.accepted = true;
  v.new_boot = verdict == ReplayWindow::Verdict::accepted_new_boot;
  if (v.new_boot)
    for (auto& highest : lan_highest_) highest.reset();
  if (!on_lan || message.sequence > *on_lan) on_lan = message.sequence;
  return v;
}

}  // namespace haven
