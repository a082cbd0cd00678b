// Which authenticated heartbeats are new: refuses replays of a sender's earlier messages.
//
// A sender is one agent: (node name, module name). Each run of it has a BootId and numbers
// its messages 0, 1, 2, ... For the boot currently known, a message is accepted when its
// sequence is above the highest seen, or within the kWindow numbers below it and not seen yet
// (UDP may reorder across lans). A different boot is accepted only when it started later
// (wall clock, ms) than the known one: a rebooted peer starts over from 0 and is accepted, a
// captured message of an earlier boot is not. Not thread-safe; no clock inside.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "heartbeat/drop_reason.hpp"
#include "heartbeat/heartbeat_message.hpp"

namespace haven {

class ReplayWindow {
 public:
  /// How far below the highest sequence a late message is still accepted once.
  static constexpr std::uint64_t kWindow = 64;
  /// At most this many senders are remembered: a key holder inventing names cannot grow
  /// the map without bound. A new sender beyond it pushes out the one heard least recently.
  static constexpr std::size_t kMaxSenders = 256;

  enum class Verdict { accepted, accepted_new_boot, replayed, stale_boot };

  /// Decides on one authenticated message, and remembers it when accepted.
  Verdict admit(const HeartbeatMessage& message);

  /// True when `message` (same sender, boot and sequence) was accepted already and is still
  /// within the window: the same heartbeat arriving again, on another lan or replayed.
  bool holds(const HeartbeatMessage& message) const;

  /// Forgets every sender (e.g. when the key changes).
  void clear() { senders_.clear(); }

  /// How many senders are remembered.
  std::size_t size() const { return senders_.size(); }

 private:
  struct SenderWindow {
    BootId boot;
    std::uint64_t highest = 0;
    std::uint64_t seen = 0;  ///< bit i: sequence highest - i was accepted
    std::uint64_t last_admitted = 0;  ///< admissions_ when this sender was last accepted
  };
  std::map<std::pair<std::string, std::string>, SenderWindow> senders_;
  std::uint64_t admissions_ = 0;
};

/// "accepted", "accepted_new_boot", "replayed", "stale_boot".
const char* to_string(ReplayWindow::Verdict v) noexcept;

/// The drop reason of a refused verdict (replayed or stale_boot).
DropReason drop_reason(ReplayWindow::Verdict v) noexcept;

}  // namespace haven
