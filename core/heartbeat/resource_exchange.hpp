// When a heartbeat carries the sender's resource table, and what the receiver holds of the
// peer's. Pure (no clock, no I/O): the agent's PeerLink drives one of each.
// docs/heartbeats.md ("Resources in heartbeats") argues the schedule.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "heartbeat/boot_id.hpp"
#include "heartbeat/heartbeat_resources.hpp"

namespace haven {

struct HeartbeatMessage;

/// The sender's side. The table rides in a heartbeat when it changed (and in the next
/// kRepeatAfterChange - 1 heartbeats too, in case UDP loses one), while the peer is not
/// heard (it may have forgotten the table), and every kRefreshEvery-th heartbeat otherwise.
/// The other heartbeats carry only the generation, 5 bytes.
class ResourceAnnouncer {
 public:
  static constexpr int kRepeatAfterChange = 3;
  static constexpr int kRefreshEvery = 10;

  /// The resource section of the next heartbeat, given the table now, the bytes the
  /// heartbeat has for it (heartbeat_resource_budget) and whether the peer is heard.
  HeartbeatResources next(const std::map<std::string, std::string>& table, std::size_t budget, bool peer_heard);

 private:
  std::optional<std::map<std::string, std::string>> last_;
  std::uint32_t generation_ = 0;
  int repeats_left_ = 0;
  int since_table_ = 0;
};

/// The receiver's side: the peer's table as its latest heartbeats gave it.
class PeerResourceTracker {
 public:
  /// What changed in the truncated flag of the table held, for a log line at the edge.
  enum class Truncation { unchanged, started, ended };

  /// Takes an authentic heartbeat of the peer. A heartbeat of a new boot of the peer drops
  /// the table of the old one (the peer's agent restarted: its resources did too); a table
  /// older (lower sequence, same boot) than the one held is ignored (UDP over two lans
  /// reorders). A heartbeat without the table keeps the one held, even when its generation
  /// says the table changed since: those values stand until the next table, at most
  /// ResourceAnnouncer::kRefreshEvery heartbeats later.
  Truncation take(const HeartbeatMessage& message);
  /// The peer is lost: its table is no longer known.
  void forget();

  /// The peer's resources, nullopt while not known.
  const std::optional<std::map<std::string, std::string>>& resources() const { return table_; }
  /// The table held is a part of the peer's (see HeartbeatResources::truncated).
  bool truncated() const { return table_ && truncated_; }
  /// The peer's latest heartbeat says its table changed after the one held.
  bool stale() const { return table_ && latest_generation_ != table_generation_; }

 private:
  std::optional<BootId> boot_;
  std::optional<std::map<std::string, std::string>> table_;
  std::uint64_t table_sequence_ = 0;
  std::uint32_t table_generation_ = 0;
  std::uint32_t latest_generation_ = 0;
  bool truncated_ = false;
};

}  // namespace haven
