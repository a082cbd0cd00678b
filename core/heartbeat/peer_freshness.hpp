// Which authentic heartbeats of the paired peer an agent takes: one decision for all lans,
// and only fresh heartbeats.
//
// Fresh means either of:
//   - it echoes this agent's current boot and a sequence this agent sent less than `horizon`
//     ago: the peer heard us recently, so the message is at most that old, whatever the
//     clocks say (a recording made before this agent started cannot echo its new boot);
//   - its send time is within `horizon` of this agent's wall clock, either way: what lets the
//     first heartbeats through, before the peer has heard us, and a peer that cannot hear us.
// Then the replay window decides (one window for every lan: a heartbeat recorded on one lan
// is refused on the other). A recording of the peer replayed after this agent restarts keeps
// a dead peer alive at most `horizon` past its last real heartbeat, not the whole recording.
// Pure: no socket, no clock (times are passed in), not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "haven/behaviour.hpp"
#include "heartbeat/drop_reason.hpp"
#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/replay_window.hpp"

namespace haven {

class PeerFreshness {
 public:
  /// At most this many of our recent sequences are remembered for echo checks (a bound on
  /// memory when the pulse is short and the horizon long; fewer only means fewer echoes count).
  static constexpr std::size_t kMaxRemembered = 65536;

  /// `own_boot` is this agent's run; `horizon` how old a heartbeat may be (the heartbeat
  /// timeout: a heartbeat older than that would be ignored as lost anyway).
  /// `lans`: how many lans the heartbeats come over (the same heartbeat comes once on each).
  PeerFreshness(std::string peer_node, std::string module, BootId own_boot, std::chrono::milliseconds horizon,
                std::size_t lans = 1);

  /// This agent sent `sequence` at `now` (steady time): echoes of it count for `horizon`.
  void sent(std::uint64_t sequence, TimePoint now);

  /// What this agent's next heartbeat echoes: the peer's latest boot nonce heard and the
  /// highest sequence of it (0, 0 before the first). Every authentic heartbeat of the peer
  /// counts, even one refused as stale, so peers whose clocks differ still pair.
  std::pair<std::uint64_t, std::uint64_t> echo() const { return {echo_.nonce, echo_sequence_}; }

  struct Verdict {
    bool accepted = false;
    bool new_boot = false;    ///< accepted, and the first heartbeat of this boot of the peer
    /// Not accepted, and no drop either: the copy, on another lan, of a heartbeat already
    /// accepted. It tells that this lan carries the peer's heartbeats.
    bool heard_again = false;
    DropReason reason = DropReason::replayed;  ///< when refused
    std::string detail;       ///< when refused: why, for the drop log
  };

  /// Decides on one authentic heartbeat received on lan `lan` (0-based) at `now` (steady) /
  /// `now_unix_ms` (wall). A copy on a lan that already carried that sequence is a replay.
  Verdict admit(const HeartbeatMessage& message, std::size_t lan, TimePoint now, std::uint64_t now_unix_ms);

 private:
  bool echoes_recent(const HeartbeatMessage& message, TimePoint now);
  void forget_sent_before(TimePoint oldest);
  void remember_echo(const HeartbeatMessage& message);

  std::string peer_node_;
  std::string module_;
  BootId own_boot_;
  std::chrono::milliseconds horizon_;
  std::deque<std::pair<std::uint64_t, TimePoint>> sent_;  // ascending sequences
  ReplayWindow window_;
  BootId echo_;
  std::uint64_t echo_sequence_ = 0;
  std::vector<std::optional<std::uint64_t>> lan_highest_;  // per lan: highest sequence of the current boot heard there
};

}  // namespace haven
