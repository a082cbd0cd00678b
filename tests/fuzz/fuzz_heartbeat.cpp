// Heartbeat decoder under hostile bytes. Byte 0 picks the mode: even, the rest is a packet as
// it arrives from the network (it must pass the MAC, which random bytes almost never do);
// odd, the rest is a body the target signs with the fixed key, so the field parser behind
// the MAC is explored too. Whatever decode accepts, encode must write back byte for byte,
// its resource table must be within the bounds (count, names, values), the receiver's
// tracker must take it, and the freshness gate (PeerFreshness, which keeps its state from one
// input to the next) must refuse other senders and never move its echo backwards.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/peer_freshness.hpp"
#include "heartbeat/resource_exchange.hpp"

namespace {

haven::ClusterKey fixed_key() {
  haven::ClusterKey key;
  key.bytes.fill(0x5a);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const haven::ClusterKey key = fixed_key();
  std::vector<std::uint8_t> packet(data + 1, data + size);
  if (data[0] & 1) {
    auto mac = haven::heartbeat_mac(packet, key);
    packet.insert(packet.end(), mac.begin(), mac.end());
  }
  auto decoded = haven::decode_or_reject(packet, key);
  if (auto* message = std::get_if<haven::HeartbeatMessage>(&decoded)) {
    HAVEN_FUZZ_CHECK(haven::encode(*message, key) == packet, "accepted packet re-encodes differently");
    HAVEN_FUZZ_CHECK(haven::decode(packet, key).ok(), "decode and decode_or_reject disagree");
    HAVEN_FUZZ_CHECK(packet.size() <= haven::kHeartbeatMaxSize, "accepted a packet over the size limit");
    const auto& resources = message->resources;
    HAVEN_FUZZ_CHECK(resources.included || (resources.table.empty() && !resources.truncated),
                     "a table or truncated flag without the table flag");
    HAVEN_FUZZ_CHECK(resources.table.size() <= haven::kMaxHeartbeatResources, "too many resources accepted");
    for (const auto& [name, value] : resources.table) {
      HAVEN_FUZZ_CHECK(haven::is_wire_resource_name(name), "accepted resource name " + name);
      HAVEN_FUZZ_CHECK(haven::resource_value_code(value).has_value(), "accepted resource value " + value);
    }
    haven::PeerResourceTracker tracker;
    tracker.take(*message);
    HAVEN_FUZZ_CHECK(resources.included == tracker.resources().has_value(), "the tracker missed the table");
    static haven::PeerFreshness freshness("node1", "mirror", haven::BootId{0x1112131415161718ULL, 1},
                                          std::chrono::seconds(30), 2);
    const auto echo_before = freshness.echo();
    freshness.sent(message->echo_sequence, haven::TimePoint{} + std::chrono::milliseconds(size));
    auto verdict = freshness.admit(*message, (data[0] >> 1) & 1, haven::TimePoint{} + std::chrono::milliseconds(size),
                                   1764090001000ULL);
    HAVEN_FUZZ_CHECK(!(verdict.accepted && verdict.heard_again), "taken and heard again at once");
    const bool ours = message->sender_node == "node1" && message->module == "mirror";
    HAVEN_FUZZ_CHECK(ours || (!verdict.accepted && verdict.reason == haven::DropReason::other_sender),
                     "took a heartbeat of another sender");
    HAVEN_FUZZ_CHECK(verdict.accepted || verdict.heard_again || !verdict.detail.empty(), "a refusal without detail");
    const auto echo_after = freshness.echo();
    HAVEN_FUZZ_CHECK(echo_after.first != echo_before.first || echo_after.second >= echo_before.second,
                     "the echo moved backwards");
  } else {
    auto& why = std::get<haven::HeartbeatRejection>(decoded);
    HAVEN_FUZZ_CHECK(!why.detail.empty(), std::string("rejection without detail: ") + to_string(why.reason));
  }
  return 0;
}
