// The primary's reading of the secondary's stream (link_frames.hpp), without the socket:
// 64-bit words (cumulative acknowledgements, or with kReplyFlag a reply header: kind and body
// length) and the bodies of replies. The sender (replication_sender.cpp) reads exactly
// space() each time; tests/fuzz/fuzz_link_ack_stream.cpp feeds it hostile bytes in hostile
// chunks. check_secondary_message() holds the sender's checks of a message against what it
// sent. Any error means the secondary is lost: the reader must not be used after it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "haven/result.hpp"
#include "replication_link/link_frames.hpp"

namespace haven::replication {

enum class SecondaryMessageKind : std::uint8_t {
  acknowledgement,  ///< every change up to `sequence` is safe on the secondary
  working,          ///< the secondary is busy answering a request (counts as progress)
  reply_header,     ///< a reply of `length` bytes follows (the reader now reads it)
  reply,            ///< the answer to request `sequence`
};

struct SecondaryMessage {
  SecondaryMessageKind kind = SecondaryMessageKind::acknowledgement;
  std::uint64_t sequence = 0;     ///< acknowledgement: the last change it covers; reply: the request's
  std::size_t length = 0;         ///< reply_header: the body's length, kReplyHeadSize included
  std::uint8_t status = 0;        ///< reply: 0 answered, 1 the answer is an error message (others are refused)
  std::vector<std::byte> answer;  ///< reply: the answer, or the error message's bytes
};

class AckStreamReader {
 public:
  /// `max_reply_bytes`: the largest answer accepted (SenderOptions::max_reply_bytes).
  explicit AckStreamReader(std::size_t max_reply_bytes = kDefaultMaxReplyBytes);

  /// Where the next bytes go: the rest of a word, or of the reply body announced. Never empty.
  std::span<std::byte> space();
  /// `n` bytes were written at the start of space(): the message they complete, nullopt when
  /// more are needed. An error (its message says why the secondary is lost) for a word
  /// announcing an unknown message or an answer over the limit: nothing is allocated for it.
  Result<std::optional<SecondaryMessage>> commit(std::size_t n);

  /// A reply's body is being read (a word otherwise).
  bool in_reply_body() const { return in_body_; }
  /// Bytes held for reading: a word, or one reply body of at most max_reply_bytes + kReplyHeadSize.
  std::size_t capacity() const { return in_body_ ? body_.size() : word_.size(); }

 private:
  std::size_t max_reply_bytes_;
  std::array<std::byte, kAckSize> word_{};
  std::vector<std::byte> body_;
  std::size_t filled_ = 0;
  bool in_body_ = false;
};

/// The sender's checks of a whole message against what it sent: an acknowledgement must lie
/// in [acked, next_to_send) (`acked` the highest acknowledged so far, `next_to_send` the first
/// sequence not yet sent); a reply must answer a request sent and still awaiting its answer
/// (`awaiting_reply`), with status 0 or 1. The error's message says why the secondary is lost.
/// Working notices and reply headers always pass.
Status check_secondary_message(const SecondaryMessage& message, std::uint64_t acked, std::uint64_t next_to_send, bool awaiting_reply);

}  // namespace haven::replication
