// Why a heartbeat packet was dropped; counted and logged per reason.
#pragma once

#include <cstddef>

namespace haven {

enum class DropReason {
  too_short,        ///< shorter than the fixed header plus the MAC
  too_long,         ///< longer than any heartbeat haven sends (kHeartbeatMaxSize)
  bad_magic,        ///< not a haven heartbeat at all
  unknown_version,  ///< a haven heartbeat of a format this build does not read
  unknown_type,     ///< a message type this build does not know
  other_cluster,    ///< the cluster id is not our key's fingerprint: another cluster or key
  bad_mac,          ///< forged or corrupted: the HMAC does not match
  truncated_field,  ///< authenticated, but a field runs past the end
  bad_field,        ///< authenticated, but a value is out of range or bytes are left over
  replayed,         ///< a sequence number already seen (or too old) for this sender's boot
  stale_boot,       ///< a boot of the sender that started before the one already known
  stale,            ///< echoes no recent heartbeat of ours and its send time is too far from our clock
  other_sender,     ///< authentic, but from a node or module this agent does not pair with
};

inline constexpr std::size_t kDropReasonCount = 13;

/// "too_short", "bad_magic", ... for logs and JSON.
constexpr const char* to_string(DropReason r) noexcept {
  switch (r) {
    case DropReason::too_short: return "too_short";
    case DropReason::too_long: return "too_long";
    case DropReason::bad_magic: return "bad_magic";
    case DropReason::unknown_version: return "unknown_version";
    case DropReason::unknown_type: return "unknown_type";
    case DropReason::other_cluster: return "other_cluster";
    case DropReason::bad_mac: return "bad_mac";
    case DropReason::truncated_field: return "truncated_field";
    case DropReason::bad_field: return "bad_field";
    case DropReason::replayed: return "replayed";
    case DropReason::stale_boot: return "stale_boot";
    case DropReason::stale: return "stale";
    case DropReason::other_sender: return "other_sender";
  }
  return "unknown";
}

}  // namespace haven
