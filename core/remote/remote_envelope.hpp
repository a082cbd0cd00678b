// The authenticated envelope of the node-to-node command channel (docs/remote-commands.md).
// Pure functions: no socket, no clock (time is passed in), safe from any thread.
//
// A frame is one line: a fixed header, then the signed payload as it was signed:
//   haven-remote/2 <cluster fingerprint> <mac, 64 hex> {"kind":"request","sender":"node1",
//     "recipient":"node2","time":<unix ms>,"nonce":"<32 hex>","reply_to":"<32 hex>","body":"<text>"}
// The MAC is HMAC-SHA256 under the cluster key over a domain tag, the fingerprint and the
// payload's bytes, so a receiver checks size, cluster and MAC before it parses anything a
// stranger sent. `reply_to` is present in responses only: the nonce of the request answered.
// `recipient` binds a request to the node it was sent to and a response to the node that
// asked. A receiver that refuses a request answers with an unsigned
// {"haven_remote":2,"rejected":"<reason>"} that carries nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "haven/result.hpp"
#include "heartbeat/cluster_key.hpp"
#include "remote/nonce_cache.hpp"
#include "remote/reject_reason.hpp"

namespace haven {

/// 2: MAC over the raw payload, with a recipient (version 1 signed JSON fields, no recipient).
inline constexpr int kRemoteProtocolVersion = 2;
/// No frame (request or response, without its newline) is longer.
inline constexpr std::size_t kMaxRemoteFrameSize = 1024 * 1024;
/// How far a message's timestamp may be from the receiver's clock, either way.
inline constexpr std::int64_t kClockToleranceMs = 60'000;
inline constexpr std::size_t kMaxSenderLength = 64;

/// A frame that passed every check.
struct OpenedEnvelope {
  std::string sender;     ///< the node that signed it (as it named itself)
  std::string recipient;  ///< the node it was addressed to
  std::int64_t time_ms = 0;
  Nonce nonce{};
  std::string body;
};

/// Why a frame was refused: the reason to count and send back, and a sentence for the log
/// (peer-provided text in it is escaped).
struct EnvelopeRejection {
  RejectReason reason = RejectReason::malformed;
  std::string detail;
};

using OpenResult = std::variant<OpenedEnvelope, EnvelopeRejection>;

/// A signed request from `sender` to `recipient`. invalid_argument when a node name is empty,
/// longer than kMaxSenderLength or not printable, when `body` is not valid UTF-8, or when
/// the frame would exceed kMaxRemoteFrameSize.
[[nodiscard]] Result<std::string> seal_request(std::string_view body, std::string_view sender,
                                               std::string_view recipient, const ClusterKey& key,
                                               std::int64_t now_ms, const Nonce& nonce);

/// A signed response from `sender` to `recipient` (the node that asked) answering the
/// request whose nonce is `request_nonce`.
[[nodiscard]] Result<std::string> seal_response(std::string_view body, std::string_view sender,
                                                std::string_view recipient, const Nonce& request_nonce,
                                                const ClusterKey& key, std::int64_t now_ms, const Nonce& nonce);

/// The unsigned refusal a receiver sends back: the reason's name and nothing else.
std::string rejection_frame(RejectReason reason);

/// Checks a request frame received by node `this_node`: size, header, version, cluster id,
/// MAC (constant time), and only then the payload: fields, kind, that it is addressed to
/// this node by another node, timestamp within kClockToleranceMs of `now_ms`, then that its
/// nonce is new (only then is it remembered in `seen`).
OpenResult open_request(std::string_view frame, const ClusterKey& key, std::string_view this_node,
                        std::int64_t now_ms, NonceCache& seen);

/// Checks a response frame the same way, and that node `asked` signed it for `this_node`
/// in answer to the request `request_nonce`. A refusal from the peer gives
/// RejectReason::refused_by_peer with the peer's reason as detail.
OpenResult open_response(std::string_view frame, const ClusterKey& key, std::string_view this_node,
                         std::string_view asked, std::int64_t now_ms, const Nonce& request_nonce);

}  // namespace haven
