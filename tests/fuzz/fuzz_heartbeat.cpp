// Heartbeat decoder under hostile bytes. Byte 0 picks the mode: even, the rest is a packet as
// it arrives from the network (it must pass the MAC, which random bytes almost never do);
// odd, the rest is a body the target signs with the fixed key, so the field parser behind
// the MAC is explored too. Whatever decode accepts, encode must write back byte for byte.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "heartbeat/heartbeat_message.hpp"

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
  } else {
    auto& why = std::get<haven::HeartbeatRejection>(decoded);
    HAVEN_FUZZ_CHECK(!why.detail.empty(), std::string("rejection without detail: ") + to_string(why.reason));
  }
  return 0;
}
