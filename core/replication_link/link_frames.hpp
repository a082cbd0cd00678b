// The replication link's wire format inside TLS.
//
// Primary to secondary, frames of a 32-bit little-endian header and a body:
// - header < kControlFrameFlag: the body (header bytes) is an encoded Change.
// - header with kControlFrameFlag: a control frame of (header & ~kControlFrameFlag) bytes:
//   u8 ControlKind, u64 sequence, then the kind's body. A control frame takes the next
//   sequence like a change, is checked, queued and acknowledged in order with the changes,
//   and acted on by the secondary's apply thread once every change before it is applied:
//   * in_sync_marker (empty body): the primary's reintegration of this directory succeeded;
//     the secondary is up to date once every directory got it (and applies strictly again).
//   * request (opaque body): the secondary answers with a reply carrying the same sequence
//     (the session asks for the secondary's tree manifest this way).
//   * keepalive (u64 body): sent every keepalive interval, busy or idle; the body counts the
//     secondary's messages the primary has read so far (its echo). The secondary's lease
//     (replication_receiver.hpp) is renewed by it; acknowledged like the others and never
//     recorded when the secondary is lost.
//
// Secondary to primary, 64-bit little-endian words:
// - without kReplyFlag: a cumulative acknowledgement (every change up to this sequence is safe).
// - with kReplyFlag: bits 32..39 a ReplyKind, bits 0..31 the length of a body that follows:
//   * reply: u64 request sequence, u8 status (0 ok, 1 error), then the answer or the error
//     message;
//   * working (no body): the secondary is busy answering a request; counts as progress, so
//     a long answer does not make the primary declare it lost.
// Each acknowledgement, reply or notice is one message (one write); keep-alives echo how many
// of them the primary has read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "haven/result.hpp"

#include "replication/change_message.hpp"

namespace haven::replication {

inline constexpr std::size_t kFrameHeaderSize = 4;
inline constexpr std::size_t kAckSize = 8;
/// The largest encoded change (16 MiB of data plus paths and fixed fields), with room.
inline constexpr std::size_t kMaxFrameSize = kMaxChangeData + 3 * kMaxChangePath + kMaxXattrName + 1024;

inline constexpr std::uint32_t kControlFrameFlag = 0x80000000u;
/// kind + sequence, before a control frame's body.
inline constexpr std::size_t kControlHeadSize = 1 + 8;

enum class ControlKind : std::uint8_t { none = 0, in_sync_marker = 1, request = 2, keepalive = 3 };
/// A keep-alive's body: the count of the secondary's messages the primary has read.
inline constexpr std::size_t kKeepaliveBodySize = 8;

inline constexpr std::uint64_t kReplyFlag = 0x8000000000000000ull;
enum class ReplyKind : std::uint8_t { reply = 1, working = 2 };
/// request sequence + status, before a reply's answer.
inline constexpr std::size_t kReplyHeadSize = 8 + 1;
/// The largest answer a sender accepts by default (a tree manifest with block hashes).
inline constexpr std::size_t kDefaultMaxReplyBytes = 256 * 1024 * 1024;

inline void put_le(std::byte* out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
}

inline std::uint64_t get_le(const std::byte* in, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = bytes; i-- > 0;) value = (value << 8) | std::to_integer<std::uint8_t>(in[i]);
  return value;
}

/// A control frame as the secondary reads it; `body` points into the frame.
struct ControlFrame {
  ControlKind kind = ControlKind::none;
  std::uint64_t sequence = 0;
  std::span<const std::byte> body;
};

/// Reads a control frame (what follows its 32-bit header): a known kind, and a keep-alive's
/// echo of kKeepaliveBodySize bytes. The error says what came and what was expected; the
/// caller names the peer and the place in the stream.
inline Result<ControlFrame> parse_control_frame(std::span<const std::byte> frame) {
  const int kind = frame.empty() ? -1 : std::to_integer<int>(frame[0]);
  if (frame.size() < kControlHeadSize || (kind != static_cast<int>(ControlKind::in_sync_marker) &&
                                          kind != static_cast<int>(ControlKind::request) && kind != static_cast<int>(ControlKind::keepalive)))
    return fail(Errc::invalid_argument, "an unknown control frame (" + std::to_string(frame.size()) + " bytes, kind " + std::to_string(kind) +
                                            "); expected an in-sync marker, a request or a keep-alive");
  ControlFrame parsed;
  parsed.kind = static_cast<ControlKind>(kind);
  parsed.sequence = get_le(frame.data() + 1, 8);
  parsed.body = frame.subspan(kControlHeadSize);
  if (parsed.kind == ControlKind::keepalive && parsed.body.size() != kKeepaliveBodySize)
    return fail(Errc::invalid_argument, "a keep-alive of " + std::to_string(frame.size()) + " bytes; expected " +
                                            std::to_string(kControlHeadSize + kKeepaliveBodySize));
  return parsed;
}

/// Appends a whole control frame, its 32-bit header included.
inline void append_control_frame(std::vector<std::byte>& batch, ControlKind kind, std::uint64_t sequence, std::span<const std::byte> body) {
  const std::size_t start = batch.size();
  const std::size_t frame_size = kControlHeadSize + body.size();
  batch.resize(start + kFrameHeaderSize + frame_size);
  std::byte* out = batch.data() + start;
  put_le(out, kControlFrameFlag | static_cast<std::uint32_t>(frame_size), kFrameHeaderSize);
  out[kFrameHeaderSize] = static_cast<std::byte>(kind);
  put_le(out + kFrameHeaderSize + 1, sequence, 8);
  if (!body.empty()) std::memcpy(out + kFrameHeaderSize + kControlHeadSize, body.data(), body.size());
}

}  // namespace haven::replication
