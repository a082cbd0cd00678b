#include "heartbeat/heartbeat_message.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <optional>

#include "heartbeat/hex.hpp"

namespace haven {
namespace {

constexpr std::size_t kClusterIdOffset = 6;
constexpr std::uint8_t kFlagTable = 0x01;
constexpr std::uint8_t kFlagTruncated = 0x02;

void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) { out.push_back(v); }

void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
  auto n = std::min(name.size(), kMaxNameLength);
  out.push_back(static_cast<std::uint8_t>(n));
  out.insert(out.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(n));
}

// Reads fields front to back; every read checks the bounds and names the field it wanted.
class FieldReader {
 public:
  explicit FieldReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::optional<std::uint64_t> be(int size) {
    if (remaining() < static_cast<std::size_t>(size)) return std::nullopt;
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i) v = (v << 8) | bytes_[pos_++];
    return v;
  }

  std::optional<std::string> bytes(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }

  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

HeartbeatRejection reject(DropReason reason, std::string detail) { return {reason, std::move(detail)}; }

HeartbeatRejection truncated(const char* field, std::size_t at) {
  return reject(DropReason::truncated_field,
                std::string("field '") + field + "' at byte " + std::to_string(at) + " runs past the end");
}

bool printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

}  // namespace

std::size_t heartbeat_resource_budget(const std::string& sender_node, const std::string& module) {
  const auto fixed = kHeartbeatMinSize - 2 + std::min(sender_node.size(), kMaxNameLength) +
                     std::min(module.size(), kMaxNameLength) + 1;  // + the count byte
  return kHeartbeatMaxSize - fixed;
}

std::array<std::uint8_t, kHeartbeatMacSize> heartbeat_mac(std::span<const std::uint8_t> signed_part,
                                                          const ClusterKey& key) {
  std::array<std::uint8_t, kHeartbeatMacSize> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()), signed_part.data(),
       signed_part.size(), mac.data(), &len);
  return mac;
}

std::vector<std::uint8_t> encode(const HeartbeatMessage& m, const ClusterKey& key) {
  std::vector<std::uint8_t> out;
  out.reserve(kHeartbeatMaxSize);
  out.insert(out.end(), kHeartbeatMagic.begin(), kHeartbeatMagic.end());
  put_u8(out, kHeartbeatVersion);
  put_u8(out, static_cast<std::uint8_t>(m.type));
  auto cluster_id = fingerprint(key);
  out.insert(out.end(), cluster_id.begin(), cluster_id.end());
  put_be(out, m.boot.nonce, 8);
  put_be(out, m.boot.started_unix_ms, 8);
  put_be(out, m.sequence, 8);
  put_be(out, m.sent_unix_ms, 8);
  put_be(out, m.echo_nonce, 8);
  put_be(out, m.echo_sequence, 8);
  put_name(out, m.sender_node);
  put_name(out, m.module);
  put_be(out, m.module_id, 2);
  put_u8(out, static_cast<std::uint8_t>(m.state));
  put_u8(out, static_cast<std::uint8_t>(m.sub_state));
  put_u8(out, m.knowledge.data_uptodate ? 1 : 0);
  put_u8(out, static_cast<std::uint8_t>(m.knowledge.last_role));
  put_be(out, m.knowledge.generation, 8);
  put_be(out, m.resources.generation, 4);
  if (!m.resources.included) {
    put_u8(out, 0);
  } else {
    auto fit = fit_resources(m.resources.table, heartbeat_resource_budget(m.sender_node, m.module));
    put_u8(out, static_cast<std::uint8_t>(kFlagTable | (fit.truncated || m.resources.truncated ? kFlagTruncated : 0)));
    put_u8(out, static_cast<std::uint8_t>(fit.table.size()));
    for (const auto& [name, value] : fit.table) {
      put_u8(out, static_cast<std::uint8_t>(name.size()));  // fit_resources kept 3..128 bytes
      out.insert(out.end(), name.begin(), name.end());
      put_u8(out, static_cast<std::uint8_t>(*resource_value_code(value)));
    }
  }
  auto mac = heartbeat_mac(out, key);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

std::variant<HeartbeatMessage, HeartbeatRejection> decode_or_reject(std::span<const std::uint8_t> packet,
                                                                   const ClusterKey& key) {
  if (packet.size() < kHeartbeatMinSize)
    return reject(DropReason::too_short, std::to_string(packet.size()) + " bytes; a heartbeat has at least " +
                                             std::to_string(kHeartbeatMinSize));
  if (packet.size() > kHeartbeatMaxSize)
    return reject(DropReason::too_long, std::to_string(packet.size()) + " bytes; a heartbeat has at most " +
                                            std::to_string(kHeartbeatMaxSize));
  if (!std::equal(kHeartbeatMagic.begin(), kHeartbeatMagic.end(), packet.begin()))
    return reject(DropReason::bad_magic, "first bytes " + hex::encode(packet.first(4)) +
                                             "; a haven heartbeat starts with 'HVHB' (48564842)");
  if (packet[4] == 1 || packet[4] == 2)
    return reject(DropReason::unknown_version,
                  "format version " + std::to_string(packet[4]) +
                      ", from an older haven build (version 2 has no freshness echo, version 1 no resources); "
                      "this build reads version " + std::to_string(kHeartbeatVersion) +
                      " only (no compatibility before the first release): upgrade haven on every node");
  if (packet[4] != kHeartbeatVersion)
    return reject(DropReason::unknown_version, "format version " + std::to_string(packet[4]) +
                                                   "; this build reads version " +
                                                   std::to_string(kHeartbeatVersion) +
                                                   ": upgrade haven on every node");
  if (packet[5] != static_cast<std::uint8_t>(HeartbeatType::heartbeat))
    return reject(DropReason::unknown_type, "message type " + std::to_string(packet[5]) +
                                                "; this build knows type 1 (heartbeat)");
  auto ours = fingerprint(key);
  auto theirs = packet.subspan(kClusterIdOffset, ours.size());
  if (!std::equal(ours.begin(), ours.end(), theirs.begin()))
    return reject(DropReason::other_cluster, "cluster id " + hex::encode(theirs) + ", ours is " +
                                                 hex::encode(ours) +
                                                 ": the sender holds another cluster key");
  auto signed_part = packet.first(packet.size() - kHeartbeatMacSize);
  auto expected = heartbeat_mac(signed_part, key);
  if (CRYPTO_memcmp(expected.data(), packet.data() + signed_part.size(), kHeartbeatMacSize) != 0)
    return reject(DropReason::bad_mac, "the HMAC-SHA256 does not match: forged or corrupted packet");

  HeartbeatMessage m;
  FieldReader r(signed_part.subspan(kHeartbeatHeaderSize));
  auto at = [&] { return kHeartbeatHeaderSize + r.position(); };
  auto read = [&](const char* field, int size, std::uint64_t& out) -> std::optional<HeartbeatRejection> {
    auto start = at();
    auto v = r.be(size);
    if (!v) return truncated(field, start);
    out = *v;
    return std::nullopt;
  };
  auto read_name = [&](const char* field, std::string& out) -> std::optional<HeartbeatRejection> {
    auto start = at();
    auto len = r.be(1);
    if (!len) return truncated(field, start);
    if (*len == 0 || *len > kMaxNameLength)
      return reject(DropReason::bad_field, std::string("field '") + field + "' at byte " +
                                               std::to_string(start) + " is " + std::to_string(*len) +
                                               " bytes long; expected 1 to " + std::to_string(kMaxNameLength));
    auto s = r.bytes(*len);
    if (!s) return truncated(field, start);
    if (!printable(*s))
      return reject(DropReason::bad_field, std::string("field '") + field + "' at byte " +
                                               std::to_string(start) + " holds a control character");
    out = std::move(*s);
    return std::nullopt;
  };
  auto read_enum = [&](const char* field, std::uint64_t max, std::uint64_t& out) -> std::optional<HeartbeatRejection> {
    auto start = at();
    if (auto e = read(field, 1, out)) return e;
    if (out > max)
      return reject(DropReason::bad_field, std::string("field '") + field + "' at byte " +
                                               std::to_string(start) + " is " + std::to_string(out) +
                                               "; expected 0 to " + std::to_string(max));
    return std::nullopt;
  };

  std::uint64_t v = 0;
  m.type = HeartbeatType::heartbeat;
  if (auto e = read("boot nonce", 8, m.boot.nonce)) return *e;
  if (auto e = read("boot start time", 8, m.boot.started_unix_ms)) return *e;
  if (auto e = read("sequence", 8, m.sequence)) return *e;
  if (auto e = read("send time", 8, m.sent_unix_ms)) return *e;
  if (auto e = read("echoed boot nonce", 8, m.echo_nonce)) return *e;
  if (auto e = read("echoed sequence", 8, m.echo_sequence)) return *e;
  if (auto e = read_name("sender node", m.sender_node)) return *e;
  if (auto e = read_name("module", m.module)) return *e;
  if (auto e = read("module id", 2, v)) return *e;
  m.module_id = static_cast<std::uint16_t>(v);
  if (auto e = read_enum("state", static_cast<std::uint64_t>(ModuleState::up), v)) return *e;
  m.state = static_cast<ModuleState>(v);
  if (auto e = read_enum("sub-state", static_cast<std::uint64_t>(SubState::not_ready), v)) return *e;
  m.sub_state = static_cast<SubState>(v);
  if (auto e = read_enum("data up to date", 1, v)) return *e;
  m.knowledge.data_uptodate = v == 1;
  if (auto e = read_enum("last role", static_cast<std::uint64_t>(Role::second), v)) return *e;
  m.knowledge.last_role = static_cast<Role>(v);
  if (auto e = read("generation", 8, m.knowledge.generation)) return *e;
  if (auto e = read("resource generation", 4, v)) return *e;
  m.resources.generation = static_cast<std::uint32_t>(v);
  const auto flags_at = at();
  if (auto e = read("resource flags", 1, v)) return *e;
  if ((v & ~std::uint64_t{kFlagTable | kFlagTruncated}) != 0 || v == kFlagTruncated)
    return reject(DropReason::bad_field, "field 'resource flags' at byte " + std::to_string(flags_at) + " is " +
                                             std::to_string(v) + "; expected 0 (no table), 1 (table) or 3 (truncated table)");
  m.resources.included = (v & kFlagTable) != 0;
  m.resources.truncated = (v & kFlagTruncated) != 0;
  if (m.resources.included) {
    std::uint64_t count = 0;
    const auto count_at = at();
    if (auto e = read("resource count", 1, count)) return *e;
    if (count > kMaxHeartbeatResources)
      return reject(DropReason::bad_field, "field 'resource count' at byte " + std::to_string(count_at) + " is " +
                                               std::to_string(count) + "; expected 0 to " +
                                               std::to_string(kMaxHeartbeatResources));
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto entry_at = at();
      auto len = r.be(1);
      if (!len) return truncated("resource name", entry_at);
      auto name = r.bytes(*len);
      if (!name) return truncated("resource name", entry_at);
      if (!is_wire_resource_name(*name))
        return reject(DropReason::bad_field,
                      "resource " + std::to_string(i + 1) + " at byte " + std::to_string(entry_at) +
                          " has no valid name (" + std::to_string(*len) +
                          " bytes); expected class.id, 3 to 128 letters, digits, '_', '-', '.' or ':'");
      if (!m.resources.table.empty() && !(m.resources.table.rbegin()->first < *name))
        return reject(DropReason::bad_field, "resource " + *name + " at byte " + std::to_string(entry_at) +
                                                 " is not after " + m.resources.table.rbegin()->first +
                                                 "; expected names in strictly increasing order");
      std::uint64_t code = 0;
      if (auto e = read_enum("resource value", kMaxResourceValueCode, code)) return *e;
      m.resources.table.emplace_hint(m.resources.table.end(), std::move(*name),
                                     std::string(to_string(static_cast<ResourceValueCode>(code))));
    }
  }
  if (r.remaining() != 0)
    return reject(DropReason::bad_field, std::to_string(r.remaining()) + " unexpected bytes at byte " +
                                             std::to_string(at()) + ", before the MAC");
  return m;
}

PeerView to_peer_update(const HeartbeatMessage& message) {
  return PeerView{true, message.sender_node, message.state, message.sub_state, message.knowledge};
}

Result<HeartbeatMessage> decode(std::span<const std::uint8_t> packet, const ClusterKey& key) {
  auto decoded = decode_or_reject(packet, key);
  if (auto* m = std::get_if<HeartbeatMessage>(&decoded)) return std::move(*m);
  auto& why = std::get<HeartbeatRejection>(decoded);
  return fail(Errc::invalid_argument, std::string(to_string(why.reason)) + ": " + why.detail);
}

}  // namespace haven
