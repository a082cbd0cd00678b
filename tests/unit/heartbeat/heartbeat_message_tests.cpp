#include <catch2/catch.hpp>

#include "heartbeat/heartbeat_message.hpp"
#include "test_key.hpp"

using namespace haven;
using haven::test::key_filled_with;
using haven::test::sample_message;

namespace {

DropReason rejection_of(std::span<const std::uint8_t> packet, const ClusterKey& key) {
  auto decoded = decode_or_reject(packet, key);
  REQUIRE(std::holds_alternative<HeartbeatRejection>(decoded));
  return std::get<HeartbeatRejection>(decoded).reason;
}

// Rewrites the MAC so that a change to the body is authentic: how a key holder with a bug,
// or a future version, would send it.
void resign(std::vector<std::uint8_t>& packet, const ClusterKey& key) {
  packet.resize(packet.size() - kHeartbeatMacSize);
  auto mac = heartbeat_mac(packet, key);
  packet.insert(packet.end(), mac.begin(), mac.end());
}

// Offsets in the wire format (docs/heartbeats.md).
constexpr std::size_t kNodeLengthOffset = kHeartbeatHeaderSize + 48;  // after boot, sequence, send time and echo

}  // namespace

TEST_CASE("every field survives an encode and decode round trip") {
  auto key = key_filled_with(3);
  auto m = sample_message();
  SECTION("sample values") {}
  SECTION("every state, sub-state and role, and extreme numbers") {
    for (auto state : {ModuleState::stop, ModuleState::wait, ModuleState::alone, ModuleState::prim,
                       ModuleState::second, ModuleState::up})
      for (auto sub : {SubState::ready, SubState::transient, SubState::not_ready})
        for (auto role : {Role::none, Role::prim, Role::second}) {
          m.state = state;
          m.sub_state = sub;
          m.knowledge.last_role = role;
          m.knowledge.data_uptodate = role == Role::prim;
          m.sequence = ~std::uint64_t{0};
          m.sent_unix_ms = ~std::uint64_t{0} - 1;
          m.echo_nonce = 0x0123456789abcdefULL;
          m.echo_sequence = ~std::uint64_t{0} - 2;
          m.module_id = 0xffff;
          auto back = decode(encode(m, key), key);
          REQUIRE(back.ok());
          CHECK(*back == m);
        }
  }
  SECTION("names of the longest allowed length") {
    m.sender_node = std::string(kMaxNameLength, 'n');
    m.module = std::string(kMaxNameLength, 'm');
    auto packet = encode(m, key);
    CHECK(packet.size() == kHeartbeatMinSize - 2 + 2 * kMaxNameLength);
  }
  auto back = decode(encode(m, key), key);
  REQUIRE(back.ok());
  CHECK(*back == m);
}

TEST_CASE("the smallest message has the documented minimum size") {
  auto m = sample_message();
  m.sender_node = "a";
  m.module = "b";
  CHECK(encode(m, key_filled_with(1)).size() == kHeartbeatMinSize);
}

TEST_CASE("a packet shorter than the minimum is refused as too short, whatever its length") {
  auto key = key_filled_with(1);
  auto packet = encode(sample_message(), key);
  for (std::size_t n = 0; n < kHeartbeatMinSize; ++n)
    CHECK(rejection_of(std::span(packet).first(n), key) == DropReason::too_short);
}

TEST_CASE("a packet that is not a haven heartbeat is refused for its magic") {
  auto key = key_filled_with(1);
  auto packet = encode(sample_message(), key);
  packet[0] = 'X';
  CHECK(rejection_of(packet, key) == DropReason::bad_magic);
}

TEST_CASE("an unknown format version or message type is refused as such") {
  auto key = key_filled_with(1);
  auto packet = encode(sample_message(), key);
  auto version = packet;
  version[4] = 4;
  CHECK(rejection_of(version, key) == DropReason::unknown_version);
  auto type = packet;
  type[5] = 9;
  CHECK(rejection_of(type, key) == DropReason::unknown_type);
}

TEST_CASE("a packet signed with another key is refused as from another cluster") {
  auto packet = encode(sample_message(), key_filled_with(1));
  auto decoded = decode_or_reject(packet, key_filled_with(2));
  REQUIRE(std::holds_alternative<HeartbeatRejection>(decoded));
  auto& why = std::get<HeartbeatRejection>(decoded);
  CHECK(why.reason == DropReason::other_cluster);
  CHECK_THAT(why.detail, Catch::Contains(fingerprint_hex(key_filled_with(1))));
}

TEST_CASE("a packet with our cluster id but a MAC from another key is refused for its MAC") {
  auto ours = key_filled_with(1);
  auto packet = encode(sample_message(), ours);
  resign(packet, key_filled_with(2));
  CHECK(rejection_of(packet, ours) == DropReason::bad_mac);
}

TEST_CASE("a single flipped bit anywhere makes the packet fail") {
  auto key = key_filled_with(1);
  auto packet = encode(sample_message(), key);
  for (std::size_t byte = 0; byte < packet.size(); ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      auto copy = packet;
      copy[byte] ^= static_cast<std::uint8_t>(1u << bit);
      auto reason = rejection_of(copy, key);
      INFO("byte " << byte << " bit " << bit << " reason " << to_string(reason));
      if (byte >= kHeartbeatHeaderSize) CHECK(reason == DropReason::bad_mac);
    }
}

TEST_CASE("an authentic packet whose names run past the end is refused as truncated") {
  auto key = key_filled_with(1);
  auto m = sample_message();
  auto packet = encode(m, key);
  packet[kNodeLengthOffset] = 60;  // "node1" is 5 bytes; 60 reaches beyond the MAC
  resign(packet, key);
  CHECK(rejection_of(packet, key) == DropReason::truncated_field);
}

TEST_CASE("an authentic packet with out-of-range values or extra bytes is refused as a bad field") {
  auto key = key_filled_with(1);
  auto packet = encode(sample_message(), key);
  auto body_end = packet.size() - kHeartbeatMacSize;
  SECTION("a name longer than allowed") {
    packet[kNodeLengthOffset] = static_cast<std::uint8_t>(kMaxNameLength + 1);
  }
  SECTION("an empty name") { packet[kNodeLengthOffset] = 0; }
  SECTION("a control character in a name") { packet[kNodeLengthOffset + 1] = '\n'; }
  // The tail without a resource table: state, sub-state, flag, role, generation (8),
  // resource generation (4), resource flags.
  SECTION("an unknown state") { packet[body_end - 17] = 6; }
  SECTION("an unknown sub-state") { packet[body_end - 16] = 3; }
  SECTION("a data-up-to-date flag other than 0 or 1") { packet[body_end - 15] = 2; }
  SECTION("an unknown role") { packet[body_end - 14] = 3; }
  SECTION("bytes left over before the MAC") {
    packet.insert(packet.begin() + static_cast<std::ptrdiff_t>(body_end), std::uint8_t{0});
  }
  resign(packet, key);
  CHECK(rejection_of(packet, key) == DropReason::bad_field);
}

TEST_CASE("decode as a Result names the reason in its message") {
  auto key = key_filled_with(1);
  auto packet = encode(sample_message(), key);
  packet.back() ^= 1;
  auto r = decode(packet, key);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK_THAT(r.error().message, Catch::StartsWith("bad_mac: "));
}

TEST_CASE("a heartbeat becomes a peer update: reachable, its node, state and knowledge") {
  auto m = sample_message();
  auto update = to_peer_update(m);
  CHECK(update.reachable);
  CHECK(update.node == "node1");
  CHECK(update.state == ModuleState::prim);
  CHECK(update.knowledge == m.knowledge);
}
