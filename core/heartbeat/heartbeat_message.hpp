// The heartbeat message and its authenticated binary encoding (docs/heartbeats.md has the
// wire format). Pure functions: no socket, no clock, safe to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "haven/behaviour.hpp"
#include "haven/result.hpp"
#include "heartbeat/boot_id.hpp"
#include "heartbeat/cluster_key.hpp"
#include "heartbeat/drop_reason.hpp"
#include "heartbeat/heartbeat_resources.hpp"

namespace haven {

enum class HeartbeatType : std::uint8_t { heartbeat = 1 };

/// What a node tells its peer about one module, every pulse.
struct HeartbeatMessage {
  HeartbeatType type = HeartbeatType::heartbeat;
  std::string sender_node;  ///< node name in cluster.xml, 1..kMaxNameLength bytes
  std::string module;       ///< module name, 1..kMaxNameLength bytes
  std::uint16_t module_id = 0;
  BootId boot;
  std::uint64_t sequence = 0;  ///< +1 per message within a boot, from 0
  std::uint64_t sent_unix_ms = 0;  ///< the sender's wall clock when it sent this, ms since 1970 UTC
  /// The receiver's run as the sender last heard it: its boot nonce (0: nothing heard yet)
  /// and the highest sequence heard from it. A replay recorded before the receiver
  /// restarted cannot echo the receiver's new boot (see PeerFreshness).
  std::uint64_t echo_nonce = 0;
  std::uint64_t echo_sequence = 0;
  ModuleState state = ModuleState::stop;
  SubState sub_state = SubState::not_ready;
  NodeKnowledge knowledge;
  HeartbeatResources resources;  ///< the sender's resources for the module (`remote.` in rules)
  bool operator==(const HeartbeatMessage&) const = default;
};

inline constexpr std::array<std::uint8_t, 4> kHeartbeatMagic{'H', 'V', 'H', 'B'};
inline constexpr std::uint8_t kHeartbeatVersion = 3;
inline constexpr std::size_t kMaxNameLength = 64;
inline constexpr std::size_t kHeartbeatMacSize = 32;
/// magic, version, type, cluster id: what is checked before the MAC.
inline constexpr std::size_t kHeartbeatHeaderSize = 4 + 1 + 1 + 8;
/// No valid message is shorter: header, boot, sequence, send time and echo, two 1-byte
/// names, the fixed fields, the resource generation and flags without a table, MAC.
inline constexpr std::size_t kHeartbeatMinSize = kHeartbeatHeaderSize + 16 + 8 + 24 + 1 + 1 + 1 + 1 + 2 +
                                                 1 + 1 + 1 + 1 + 8 + 4 + 1 + kHeartbeatMacSize;
/// No valid message is longer, whatever its resources: 1200 bytes of UDP payload is 1248
/// bytes in an IPv6 packet, under IPv6's minimum MTU of 1280, so a heartbeat is never
/// fragmented on any link.
inline constexpr std::size_t kHeartbeatMaxSize = 1200;

/// The bytes left for resource entries in a heartbeat of `sender_node` for `module` (names
/// cut to kMaxNameLength as encode cuts them): kHeartbeatMaxSize less everything else.
std::size_t heartbeat_resource_budget(const std::string& sender_node, const std::string& module);

/// The message, signed with HMAC-SHA256 under `key`. Names longer than kMaxNameLength are
/// a caller's bug: they are cut to that length (and the peer sees the cut name). The
/// resource table, when included, goes through fit_resources with the message's budget: what
/// does not fit is left out and the truncated flag set, so the packet never exceeds
/// kHeartbeatMaxSize.
std::vector<std::uint8_t> encode(const HeartbeatMessage& message, const ClusterKey& key);

/// Why decode refused a packet: the reason to count, and a sentence for the log.
struct HeartbeatRejection {
  DropReason reason = DropReason::bad_field;
  std::string detail;
};

/// Checks, in this order, size (too short, too long), magic, version, type, cluster id, then
/// the MAC (in constant time), then parses the fields, resources included (names valid and
/// in strictly increasing order, known value codes, at most kMaxHeartbeatResources). Never
/// reads outside `packet`.
std::variant<HeartbeatMessage, HeartbeatRejection> decode_or_reject(std::span<const std::uint8_t> packet,
                                                                   const ClusterKey& key);

/// decode_or_reject as a Result: invalid_argument, message "<reason>: <detail>".
Result<HeartbeatMessage> decode(std::span<const std::uint8_t> packet, const ClusterKey& key);

/// What the message tells the module's state machine: the peer is reachable, in this state,
/// with this knowledge of its data.
PeerView to_peer_update(const HeartbeatMessage& message);

/// HMAC-SHA256 of `signed_part` under `key`: the last kHeartbeatMacSize bytes of a packet
/// are this MAC over all the bytes before them.
std::array<std::uint8_t, kHeartbeatMacSize> heartbeat_mac(std::span<const std::uint8_t> signed_part,
                                                          const ClusterKey& key);

}  // namespace haven
