// The secondary's reading of the primary's stream (link_frames.hpp), without the socket:
// bytes come in reads of any size (a frame's header may be split across two), whole frames
// come out in order, each checked: its size against the limit, a control frame's kind and
// body, a change's encoding, and its sequence (1, 2, 3... per stream). The receiver
// (replication_receiver.cpp) feeds it from its TLS stream; tests/fuzz/
// fuzz_link_receiver_stream.cpp feeds it hostile bytes in hostile chunks.
//
// Use: read into space(), commit() what was read, then take frames with decode_next() and
// check_sequence() until decode_next() gives none (more bytes are needed), then compact().
// Any error ends the stream: the reader must not be used after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "replication/change_message.hpp"
#include "replication_link/link_frames.hpp"

namespace haven::replication {

/// One frame as the primary sent it, decoded.
struct ReceivedFrame {
  Change change;                            ///< a control frame: only its sequence
  std::size_t bytes = 0;                    ///< the frame's length, without its header
  ControlKind control = ControlKind::none;  ///< none: a change
  std::vector<std::byte> body;              ///< a control frame's body
};

/// The receiver's flow control: it stops reading while what waits to be applied is over
/// either bound (TCP then pushes back on the primary), and reads again once both are at or
/// below half.
struct ReceiveQueueBounds {
  std::size_t max_bytes = 0;
  std::size_t max_changes = 0;
  bool pause(std::size_t bytes, std::size_t changes) const { return bytes > max_bytes || changes > max_changes; }
  bool resume(std::size_t bytes, std::size_t changes) const { return bytes <= max_bytes / 2 && changes <= max_changes / 2; }
};

class ReceiverFrameReader {
 public:
  /// The largest read space() offers when no frame asks for more.
  static constexpr std::size_t kReadChunk = 256 * 1024;

  /// `peer` names the primary in errors ("10.0.0.1:40000"); `max_frame` is the largest frame
  /// accepted (kMaxFrameSize on the link).
  explicit ReceiverFrameReader(std::string peer = {}, std::size_t max_frame = kMaxFrameSize);

  void set_peer(std::string peer) { peer_ = std::move(peer); }

  /// Where the next read may write: `chunk` bytes after what is buffered, or, when a frame's
  /// header is buffered, room for that whole frame if it is larger (one read can then finish
  /// it). Compacts first. Never grows for a header over the limit (decode_next() refuses it).
  std::span<std::byte> space(std::size_t chunk = kReadChunk);
  /// `n` bytes were written at the start of space().
  void commit(std::size_t n);

  /// The next whole frame, decoded, its sequence not yet checked (check_sequence(): the
  /// receiver looks at a keep-alive's echo first); nullopt when more bytes are needed. An
  /// error (invalid_argument naming the primary and the place in the stream: a frame over
  /// the limit, an unknown control frame, a change that does not decode) ends the stream.
  Result<std::optional<ReceivedFrame>> decode_next();
  /// OK when `frame` carries the sequence expected next, which then moves on; invalid_argument
  /// otherwise (the stream ends: this secondary is not up to date).
  Status check_sequence(const ReceivedFrame& frame);

  /// Drops the frames taken, keeping the bytes of the next one at the front.
  void compact();

  /// The sequence the next frame must carry (the last accepted + 1).
  std::uint64_t expected() const { return expected_; }
  /// Bytes received and not yet taken as frames.
  std::size_t buffered() const { return used_ - at_; }
  /// Bytes held for reading (the buffer's size): bounded by what is buffered plus one read,
  /// or one frame of the limit with its header.
  std::size_t capacity() const { return rx_.size(); }

 private:
  std::string peer_;
  std::size_t max_frame_;
  std::vector<std::byte> rx_;
  std::size_t used_ = 0;  // bytes of rx_ holding data
  std::size_t at_ = 0;    // start of the first frame not yet taken
  std::uint64_t expected_ = 1;
};

}  // namespace haven::replication
