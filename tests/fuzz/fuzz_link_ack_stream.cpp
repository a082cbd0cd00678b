// The secondary->primary stream of the replication link as the primary reads it
// (AckStreamReader and check_secondary_message, the reading of ReplicationSender::read_ack):
// acknowledgements, "working" notices and replies (kind, length, body) from a hostile
// secondary, delivered in reads whose sizes also come from the input, checked against a
// modelled sender that has sent some changes and requests.
//
// Input: byte 0 how many frames the sender has sent (next_to_send = 1 + b), byte 1 which of
// them are requests (bit i: sequence i + 1, and every sequence above 8 when bit 7 is set),
// byte 2 the largest answer accepted (16 * b bytes), byte 3 the number N of read sizes that
// follow, N bytes of read sizes (1 + b each, in turn; none: what the reader asks for), then
// the stream (64-bit little-endian words and reply bodies, link_frames.hpp).
//
// Checked: no crash or sanitizer report; the messages and the error that loses the secondary
// are the same whatever the reads (against reads of exactly what the reader asks for, as the
// sender does); nothing is allocated for a reply over the limit (the buffer is a word or one
// body of at most the limit plus its head); acknowledgements accepted never go back and stay
// below what was sent; a reply is accepted only for a request sent and not yet answered, once,
// with status 0 or 1, its answer within the limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "replication_link/ack_stream_reader.hpp"
#include "replication_link/link_frames.hpp"

using namespace haven;
using namespace haven::replication;

namespace {

struct Seen {
  SecondaryMessageKind kind;
  std::uint64_t sequence;
  std::size_t length;
  std::uint8_t status;
  std::vector<std::byte> answer;
  bool operator==(const Seen&) const = default;
};

struct Outcome {
  std::vector<Seen> messages;
  std::optional<std::string> lost;
};

struct SenderModel {
  std::uint64_t next_to_send = 1;
  std::uint64_t acked = 0;
  std::set<std::uint64_t> awaiting;  // requests sent, not yet answered
  std::size_t max_reply = 0;
};

Outcome run(std::span<const std::byte> stream, std::span<const std::uint8_t> reads, SenderModel sender) {
  AckStreamReader reader(sender.max_reply);
  Outcome out;
  std::size_t fed = 0, read_index = 0;
  while (fed < stream.size() && !out.lost) {
    const auto space = reader.space();
    HAVEN_FUZZ_CHECK(!space.empty(), "the reader asks for nothing");
    HAVEN_FUZZ_CHECK(reader.capacity() <= std::max(kAckSize, sender.max_reply + kReplyHeadSize),
                     "a read buffer of " + std::to_string(reader.capacity()) + " bytes with a limit of " + std::to_string(sender.max_reply));
    std::size_t n = std::min(space.size(), stream.size() - fed);
    if (!reads.empty()) n = std::min<std::size_t>(n, 1 + reads[read_index++ % reads.size()]);
    std::memcpy(space.data(), stream.data() + fed, n);
    fed += n;
    auto message = reader.commit(n);
    if (!message.ok()) {
      HAVEN_FUZZ_CHECK(!message.error().message.empty(), "a loss without a reason");
      out.lost = message.error().message;
      break;
    }
    if (!*message) continue;
    SecondaryMessage& m = **message;
    const bool awaited = m.kind == SecondaryMessageKind::reply && sender.awaiting.contains(m.sequence);
    if (auto checked = check_secondary_message(m, sender.acked, sender.next_to_send, awaited); !checked.ok()) {
      HAVEN_FUZZ_CHECK(!checked.error().message.empty(), "a loss without a reason");
      out.lost = checked.error().message;
      break;
    }
    switch (m.kind) {
      case SecondaryMessageKind::acknowledgement:
        HAVEN_FUZZ_CHECK(m.sequence >= sender.acked && m.sequence < sender.next_to_send,
                         "acknowledgement #" + std::to_string(m.sequence) + " accepted after #" + std::to_string(sender.acked));
        sender.acked = m.sequence;
        break;
      case SecondaryMessageKind::reply:
        HAVEN_FUZZ_CHECK(awaited && m.status <= 1, "a reply to request #" + std::to_string(m.sequence) + " that was not awaited");
        HAVEN_FUZZ_CHECK(m.answer.size() <= sender.max_reply, "an answer of " + std::to_string(m.answer.size()) + " bytes accepted");
        HAVEN_FUZZ_CHECK(m.length == m.answer.size() + kReplyHeadSize, "a reply's length disagrees with its answer");
        sender.awaiting.erase(m.sequence);
        break;
      case SecondaryMessageKind::reply_header:
        HAVEN_FUZZ_CHECK(m.length >= kReplyHeadSize && m.length <= sender.max_reply + kReplyHeadSize && reader.in_reply_body(),
                         "a reply of " + std::to_string(m.length) + " bytes announced");
        break;
      case SecondaryMessageKind::working:
        break;
    }
    out.messages.push_back({m.kind, m.sequence, m.length, m.status, std::move(m.answer)});
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  SenderModel sender;
  sender.next_to_send = 1u + data[0];
  for (std::uint64_t sequence = 1; sequence < sender.next_to_send; ++sequence)
    if (sequence <= 8 ? (data[1] >> (sequence - 1)) & 1 : (data[1] & 0x80) != 0) sender.awaiting.insert(sequence);
  sender.max_reply = 16u * data[2];
  const std::size_t read_count = std::min<std::size_t>(data[3], size - 4);
  const std::span<const std::uint8_t> reads(data + 4, read_count);
  const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 4 + read_count), size - 4 - read_count);

  const Outcome whole = run(stream, {}, sender);
  const Outcome cut = run(stream, reads, sender);
  HAVEN_FUZZ_CHECK(cut.messages == whole.messages, "the messages read depend on how the stream was cut");
  HAVEN_FUZZ_CHECK(cut.lost == whole.lost, "reads of other sizes lose the secondary otherwise: " + cut.lost.value_or("(no)") + " / " +
                                               whole.lost.value_or("(no)"));
  return 0;
}
