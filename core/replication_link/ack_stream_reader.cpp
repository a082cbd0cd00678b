#include "replication_link/ack_stream_reader.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace haven::replication {

AckStreamReader::AckStreamReader(std::size_t max_reply_bytes) : max_reply_bytes_(max_reply_bytes) {}

std::span<std::byte> AckStreamReader::space() {
  if (in_body_) return {body_.data() + filled_, body_.size() - filled_};
  return {word_.data() + filled_, word_.size() - filled_};
}

Result<std::optional<SecondaryMessage>> AckStreamReader::commit(std::size_t n) {
  filled_ += std::min(n, space().size());
  if (in_body_) {
    if (filled_ < body_.size()) return std::optional<SecondaryMessage>();
    SecondaryMessage reply;
    reply.kind = SecondaryMessageKind::reply;
    reply.length = body_.size();
    reply.sequence = get_le(body_.data(), 8);
    reply.status = std::to_integer<std::uint8_t>(body_[8]);
    reply.answer.assign(body_.begin() + static_cast<std::ptrdiff_t>(kReplyHeadSize), body_.end());
    body_ = {};
    filled_ = 0;
    in_body_ = false;
    return std::optional<SecondaryMessage>(std::move(reply));
  }
  if (filled_ < word_.size()) return std::optional<SecondaryMessage>();
  filled_ = 0;
  const std::uint64_t word = get_le(word_.data(), kAckSize);
  SecondaryMessage message;
  if ((word & kReplyFlag) == 0) {
    message.kind = SecondaryMessageKind::acknowledgement;
    message.sequence = word;
    return std::optional<SecondaryMessage>(std::move(message));
  }
  const auto kind = static_cast<ReplyKind>((word >> 32) & 0xff);
  const std::size_t length = word & 0xffffffffu;
  if (kind == ReplyKind::working && length == 0) {
    message.kind = SecondaryMessageKind::working;
    return std::optional<SecondaryMessage>(std::move(message));
  }
  if (kind != ReplyKind::reply || length < kReplyHeadSize)
    return fail(Errc::invalid_argument, "the secondary sent an unknown message (kind " + std::to_string(static_cast<int>(kind)) + ", " +
                                            std::to_string(length) + " bytes); expected an acknowledgement or a reply");
  if (length > max_reply_bytes_ + kReplyHeadSize)
    return fail(Errc::invalid_argument, "the secondary's answer of " + std::to_string(length) + " bytes is over the limit of " +
                                            std::to_string(max_reply_bytes_) + " bytes");
  body_.resize(length);
  in_body_ = true;
  message.kind = SecondaryMessageKind::reply_header;
  message.length = length;
  return std::optional<SecondaryMessage>(std::move(message));
}

Status check_secondary_message(const SecondaryMessage& message, std::uint64_t acked, std::uint64_t next_to_send, bool awaiting_reply) {
  switch (message.kind) {
    case SecondaryMessageKind::acknowledgement:
      if (message.sequence >= next_to_send || message.sequence < acked)
        return fail(Errc::invalid_argument, "the secondary acknowledged change #" + std::to_string(message.sequence) +
                                                " which was never sent or was acknowledged before");
      return ok_status();
    case SecondaryMessageKind::reply:
      if (message.sequence >= next_to_send || message.status > 1 || !awaiting_reply)
        return fail(Errc::invalid_argument, "the secondary answered request #" + std::to_string(message.sequence) +
                                                " which was never sent or answered already");
      return ok_status();
    case SecondaryMessageKind::working:
    case SecondaryMessageKind::reply_header:
      return ok_status();
  }
  return ok_status();
}

}  // namespace haven::replication
