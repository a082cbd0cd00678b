// The replication link's stream as the secondary reads it (ReceiverFrameReader, the framing
// of ReplicationReceiver::take_frames): hostile bytes, delivered in reads whose sizes also come
// from the input (a frame's header split across reads, many frames in one read), with the
// receiver's flow control (reading pauses while the modelled apply queue is over its bounds
// and resumes at half) and its keep-alive check (an echo above the messages sent ends the
// stream).
//
// Input: byte 0 flags (bit 0: acknowledge after apply instead of on receipt), byte 1 the
// queue's bound in changes (1 + b % 8), byte 2 its bound in bytes (64 * b), byte 3 the number
// N of read sizes that follow, N bytes of read sizes (1 + b each, in turn; none: everything
// in one read), then the stream itself (see link_frames.hpp; the corpus holds real ones).
//
// Checked: no crash or sanitizer report; the frames taken and the error that ends the stream
// are the same whatever the reads and pauses (against one read of everything), except that the
// keep-alive check may end it earlier; sequences are 1, 2, 3...; each change re-encodes and
// each control frame re-appends to exactly the bytes it came from; every error names the
// primary; the read buffer never exceeds what is buffered plus one read, or one frame of the
// limit (a header announcing more is refused before anything is allocated for it).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "replication_link/link_frames.hpp"
#include "replication_link/receiver_frame_reader.hpp"

using namespace haven;
using namespace haven::replication;

namespace {

constexpr const char* kPeer = "fuzz-primary:5600";

struct Taken {
  std::uint64_t sequence = 0;
  ControlKind control = ControlKind::none;
  std::size_t bytes = 0;
  bool operator==(const Taken&) const = default;
};

struct Outcome {
  std::vector<Taken> frames;
  std::optional<std::string> error;
  bool ended_by_lease = false;
};

// What the receiver does with a stream, given how its reads are cut.
class Model {
 public:
  Model(std::span<const std::byte> stream, std::span<const std::uint8_t> reads, ReceiveQueueBounds bounds, bool ack_after_apply,
        bool with_lease)
      : stream_(stream), reads_(reads), bounds_(bounds), ack_after_apply_(ack_after_apply), with_lease_(with_lease) {}

  Outcome run() {
    std::size_t read_index = 0;
    while (!out_.error && !out_.ended_by_lease) {
      if (paused_) {
        apply_one();
        continue;
      }
      if (fed_ == stream_.size()) break;
      const auto space = reader_.space();
      const std::size_t before = reader_.buffered();
      HAVEN_FUZZ_CHECK(!space.empty(), "the reader offers no room to read into");
      // Never more than what was ever buffered plus one read, or one frame of the limit.
      most_buffered_ = std::max(most_buffered_, before);
      HAVEN_FUZZ_CHECK(reader_.capacity() <= std::max(most_buffered_ + ReceiverFrameReader::kReadChunk, kFrameHeaderSize + kMaxFrameSize),
                       "read buffer of " + std::to_string(reader_.capacity()) + " bytes with at most " + std::to_string(most_buffered_) +
                           " buffered");
      std::size_t n = stream_.size() - fed_;
      if (!reads_.empty()) n = std::min<std::size_t>(n, 1 + reads_[read_index++ % reads_.size()]);
      n = std::min(n, space.size());
      std::memcpy(space.data(), stream_.data() + fed_, n);
      reader_.commit(n);
      fed_ += n;
      HAVEN_FUZZ_CHECK(reader_.buffered() == before + n, "committed bytes went missing");
      take_frames();
    }
    return out_;
  }

 private:
  void take_frames() {
    std::size_t batch = 0;
    for (;;) {
      auto frame = reader_.decode_next();
      if (!frame.ok()) {
        out_.error = frame.error().message;
        return;
      }
      if (!*frame) break;
      const ReceivedFrame& f = **frame;
      if (f.control == ControlKind::keepalive) {
        HAVEN_FUZZ_CHECK(f.body.size() == kKeepaliveBodySize, "a keep-alive without its echo");
        if (with_lease_ && get_le(f.body.data(), kKeepaliveBodySize) > messages_sent_) {
          out_.ended_by_lease = true;
          return;
        }
      }
      if (auto in_order = reader_.check_sequence(f); !in_order.ok()) {
        out_.error = in_order.error().message;
        return;
      }
      out_.frames.push_back({f.change.sequence, f.control, f.bytes});
      queue_.push_back(f.bytes);
      queued_bytes_ += f.bytes;
      ++batch;
    }
    reader_.compact();
    if (batch > 0) {
      if (!ack_after_apply_) ++messages_sent_;  // one acknowledgement per batch taken
      if (bounds_.pause(queued_bytes_, queue_.size())) paused_ = true;
    }
  }

  void apply_one() {
    HAVEN_FUZZ_CHECK(!queue_.empty(), "reading paused with nothing to apply: it would never resume");
    queued_bytes_ -= queue_.front();
    queue_.pop_front();
    if (ack_after_apply_) ++messages_sent_;
    if (bounds_.resume(queued_bytes_, queue_.size())) paused_ = false;
  }

  std::span<const std::byte> stream_;
  std::span<const std::uint8_t> reads_;
  ReceiveQueueBounds bounds_;
  bool ack_after_apply_;
  bool with_lease_;
  ReceiverFrameReader reader_{kPeer};
  std::size_t fed_ = 0;
  std::size_t most_buffered_ = 0;
  std::deque<std::size_t> queue_;
  std::size_t queued_bytes_ = 0;
  bool paused_ = false;
  std::uint64_t messages_sent_ = 0;
  Outcome out_;
};

// Every frame taken, written again, gives the bytes it came from.
void check_reencoding(std::span<const std::byte> stream, const Outcome& reference) {
  std::size_t at = 0;
  ReceiverFrameReader again(kPeer);
  for (const auto& taken : reference.frames) {
    HAVEN_FUZZ_CHECK(at + kFrameHeaderSize + taken.bytes <= stream.size(), "a frame taken beyond the stream");
    const auto whole = stream.subspan(at, kFrameHeaderSize + taken.bytes);
    auto room = again.space(whole.size());
    std::memcpy(room.data(), whole.data(), whole.size());
    again.commit(whole.size());
    auto frame = again.decode_next();
    HAVEN_FUZZ_CHECK(frame.ok() && *frame, "a frame taken once is refused alone");
    const ReceivedFrame& f = **frame;
    std::vector<std::byte> rewritten;
    if (f.control == ControlKind::none) {
      const auto body = encode(f.change);
      rewritten.resize(kFrameHeaderSize);
      put_le(rewritten.data(), body.size(), kFrameHeaderSize);
      rewritten.insert(rewritten.end(), body.begin(), body.end());
    } else {
      append_control_frame(rewritten, f.control, f.change.sequence, f.body);
    }
    HAVEN_FUZZ_CHECK(rewritten.size() == whole.size() && std::equal(rewritten.begin(), rewritten.end(), whole.begin()),
                     "frame #" + std::to_string(taken.sequence) + " does not write back to its own bytes");
    HAVEN_FUZZ_CHECK(again.check_sequence(f).ok(), "sequence check differs alone");
    again.compact();
    at += whole.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const bool ack_after_apply = (data[0] & 1) != 0;
  const ReceiveQueueBounds bounds{64u * data[2], 1u + data[1] % 8u};
  const std::size_t read_count = std::min<std::size_t>(data[3], size - 4);
  const std::span<const std::uint8_t> reads(data + 4, read_count);
  const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 4 + read_count), size - 4 - read_count);

  // The reference: everything in one read, never paused, no keep-alive check.
  const Outcome reference = Model(stream, {}, ReceiveQueueBounds{SIZE_MAX, SIZE_MAX}, false, false).run();
  const Outcome cut = Model(stream, reads, bounds, ack_after_apply, true).run();

  for (std::size_t i = 0; i < reference.frames.size(); ++i)
    HAVEN_FUZZ_CHECK(reference.frames[i].sequence == i + 1, "frame " + std::to_string(i) + " taken with sequence " +
                                                                std::to_string(reference.frames[i].sequence));
  if (reference.error) HAVEN_FUZZ_CHECK(reference.error->find(kPeer) != std::string::npos, "an error that does not name the primary: " + *reference.error);
  HAVEN_FUZZ_CHECK(cut.frames.size() <= reference.frames.size() &&
                       std::equal(cut.frames.begin(), cut.frames.end(), reference.frames.begin()),
                   "the frames taken depend on how the stream was read");
  if (!cut.ended_by_lease) {
    HAVEN_FUZZ_CHECK(cut.frames.size() == reference.frames.size(), "reads of other sizes took " + std::to_string(cut.frames.size()) +
                                                                       " frames instead of " + std::to_string(reference.frames.size()));
    HAVEN_FUZZ_CHECK(cut.error == reference.error, "reads of other sizes end the stream otherwise: " + cut.error.value_or("(none)") +
                                                       " / " + reference.error.value_or("(none)"));
  }
  check_reencoding(stream, reference);
  return 0;
}
