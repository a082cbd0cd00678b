// Why a message on the node-to-node command channel was refused; counted and logged per reason.
#pragma once

#include <cstddef>

namespace haven {

enum class RejectReason {
  oversized,          ///< longer than kMaxRemoteFrameSize
  malformed,          ///< not one JSON envelope with every field of the right type and size
  unknown_version,    ///< an envelope of a format this build does not read
  wrong_kind,         ///< a response where a request was expected, or the other way round
  other_cluster,      ///< signed with another cluster key (the cluster id is not ours)
  bad_mac,            ///< forged or altered: the HMAC does not match
  clock_skew,         ///< its timestamp is more than kClockTolerance away from our clock
  replayed,           ///< its nonce was already seen within the tolerance window
  replay_cache_full,  ///< too many fresh nonces to remember: refused rather than risk a replay
  wrong_reply,        ///< a response bound to another request (its reply_to is not our nonce)
  no_key,             ///< this node has no readable cluster key, so it cannot check anything
  refused_by_peer,    ///< (client side) the peer answered with a refusal instead of a response
  wrong_recipient,    ///< addressed to another node, or a request signed as the receiver itself
  wrong_sender,       ///< (client side) a response signed by another node than the one asked
};

inline constexpr std::size_t kRejectReasonCount = 14;

/// "oversized", "malformed", ... for logs, JSON and the refusal sent back to the peer.
constexpr const char* to_string(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::oversized: return "oversized";
    case RejectReason::malformed: return "malformed";
    case RejectReason::unknown_version: return "unknown_version";
    case RejectReason::wrong_kind: return "wrong_kind";
    case RejectReason::other_cluster: return "other_cluster";
    case RejectReason::bad_mac: return "bad_mac";
    case RejectReason::clock_skew: return "clock_skew";
    case RejectReason::replayed: return "replayed";
    case RejectReason::replay_cache_full: return "replay_cache_full";
    case RejectReason::wrong_reply: return "wrong_reply";
    case RejectReason::no_key: return "no_key";
    case RejectReason::refused_by_peer: return "refused_by_peer";
    case RejectReason::wrong_recipient: return "wrong_recipient";
    case RejectReason::wrong_sender: return "wrong_sender";
  }
  return "malformed";
}

}  // namespace haven
