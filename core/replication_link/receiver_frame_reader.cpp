#include "replication_link/receiver_frame_reader.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace haven::replication {

ReceiverFrameReader::ReceiverFrameReader(std::string peer, std::size_t max_frame) : peer_(std::move(peer)), max_frame_(max_frame) {}

std::span<std::byte> ReceiverFrameReader::space(std::size_t chunk) {
  compact();
  std::size_t want = used_ + chunk;
  if (used_ >= kFrameHeaderSize) {
    const auto length = static_cast<std::size_t>(get_le(rx_.data(), kFrameHeaderSize) & ~kControlFrameFlag);
    if (length <= max_frame_) want = std::max(want, kFrameHeaderSize + length);
  }
  if (rx_.size() < want) rx_.resize(want);
  return {rx_.data() + used_, rx_.size() - used_};
}

void ReceiverFrameReader::commit(std::size_t n) { used_ += std::min(n, rx_.size() - used_); }

Result<std::optional<ReceivedFrame>> ReceiverFrameReader::decode_next() {
  if (used_ - at_ < kFrameHeaderSize) return std::optional<ReceivedFrame>();
  const std::byte* rx = rx_.data();
  const auto header = static_cast<std::uint32_t>(get_le(rx + at_, kFrameHeaderSize));
  const bool control = (header & kControlFrameFlag) != 0;
  const std::size_t length = header & ~kControlFrameFlag;
  if (length > max_frame_)
    return fail(Errc::invalid_argument, "the primary " + peer_ + " sent a frame of " + std::to_string(length) + " bytes after change #" +
                                            std::to_string(expected_ - 1) + ", over the limit of " + std::to_string(max_frame_) +
                                            "; the link is stopped");
  if (used_ - at_ - kFrameHeaderSize < length) return std::optional<ReceivedFrame>();
  const std::byte* body = rx + at_ + kFrameHeaderSize;
  ReceivedFrame frame;
  frame.bytes = length;
  if (control) {
    auto parsed = parse_control_frame({body, length});
    if (!parsed.ok())
      return fail(Errc::invalid_argument, "the primary " + peer_ + " sent, after change #" + std::to_string(expected_ - 1) + ", " +
                                              parsed.error().message + "; the link is stopped");
    frame.control = parsed->kind;
    frame.change.sequence = parsed->sequence;
    frame.body.assign(parsed->body.begin(), parsed->body.end());
  } else {
    auto change = decode({body, length});
    if (!change.ok())
      return fail(Errc::invalid_argument, "cannot decode the change after #" + std::to_string(expected_ - 1) + " from the primary " +
                                              peer_ + ": " + change.error().message +
                                              "; the link is stopped and this secondary is not up to date");
    frame.change = std::move(*change);
  }
  at_ += kFrameHeaderSize + length;
  return std::optional<ReceivedFrame>(std::move(frame));
}

Status ReceiverFrameReader::check_sequence(const ReceivedFrame& frame) {
  if (frame.change.sequence != expected_)
    return fail(Errc::invalid_argument, "the primary " + peer_ + " sent change #" + std::to_string(frame.change.sequence) + " where #" +
                                            std::to_string(expected_) +
                                            " was expected; the link is stopped and this secondary is not up to date");
  ++expected_;
  return ok_status();
}

void ReceiverFrameReader::compact() {
  if (at_ == 0) return;
  std::memmove(rx_.data(), rx_.data() + at_, used_ - at_);
  used_ -= at_;
  at_ = 0;
}

}  // namespace haven::replication
