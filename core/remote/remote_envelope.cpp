#include "remote/remote_envelope.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/hex.hpp"

namespace haven {
namespace {

constexpr std::string_view kMacDomain = "haven-remote-v1";
constexpr std::size_t kMacSize = kHeartbeatMacSize;
constexpr std::size_t kMaxPeerReasonLength = 40;

void put_field(std::vector<std::uint8_t>& out, std::string_view field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), field.begin(), field.end());
}

// What the MAC covers: every field but the MAC, each length-prefixed, after a domain tag
// that keeps these MACs apart from the heartbeats' under the same key.
std::vector<std::uint8_t> signed_bytes(std::string_view kind, std::string_view cluster, std::string_view sender,
                                       std::int64_t time_ms, std::string_view nonce_hex, std::string_view reply_to_hex,
                                       std::string_view body) {
  std::vector<std::uint8_t> out;
  out.reserve(body.size() + 160);
  put_field(out, kMacDomain);
  put_field(out, kind);
  put_field(out, cluster);
  put_field(out, sender);
  put_field(out, std::to_string(time_ms));
  put_field(out, nonce_hex);
  put_field(out, reply_to_hex);
  put_field(out, body);
  return out;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

Result<std::string> seal(std::string_view kind, std::string_view body, std::string_view sender,
                         std::optional<Nonce> reply_to, const ClusterKey& key, std::int64_t now_ms, const Nonce& nonce) {
  if (sender.empty() || sender.size() > kMaxSenderLength || !printable(sender))
    return fail(Errc::invalid_argument, "remote command: the sender node name \"" + std::string(sender) +
                                            "\" must be 1 to 64 printable characters");
  const std::string cluster = fingerprint_hex(key);
  const std::string nonce_hex = hex::encode(nonce);
  const std::string reply_hex = reply_to ? hex::encode(*reply_to) : std::string();
  const auto mac = heartbeat_mac(signed_bytes(kind, cluster, sender, now_ms, nonce_hex, reply_hex, body), key);
  nlohmann::json j{{"haven_remote", kRemoteProtocolVersion},
                   {"kind", kind},
                   {"cluster", cluster},
                   {"sender", sender},
                   {"time", now_ms},
                   {"nonce", nonce_hex},
                   {"body", body},
                   {"mac", hex::encode(mac)}};
  if (reply_to) j["reply_to"] = reply_hex;
  std::string frame;
  try {
    frame = j.dump();
  } catch (const nlohmann::json::exception&) {
    return fail(Errc::invalid_argument, "remote command: the " + std::string(kind) + " body is not valid UTF-8 text");
  }
  if (frame.size() > kMaxRemoteFrameSize)
    return fail(Errc::invalid_argument, "remote command: the " + std::string(kind) + " is " +
                                            std::to_string(frame.size()) + " bytes, more than the limit of " +
                                            std::to_string(kMaxRemoteFrameSize));
  return frame;
}

EnvelopeRejection reject(RejectReason reason, std::string detail) { return {reason, std::move(detail)}; }

std::optional<std::string> string_field(const nlohmann::json& j, const char* name, std::size_t max) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) return std::nullopt;
  return s;
}

std::optional<Nonce> nonce_field(const nlohmann::json& j, const char* name) {
  auto text = string_field(j, name, 2 * kNonceSize);
  if (!text) return std::nullopt;
  auto bytes = hex::decode(*text);
  if (!bytes || bytes->size() != kNonceSize) return std::nullopt;
  Nonce n{};
  std::copy(bytes->begin(), bytes->end(), n.begin());
  return n;
}

OpenResult open(std::string_view frame, std::string_view want_kind, const ClusterKey& key, std::int64_t now_ms,
                const Nonce* request_nonce, NonceCache* seen) {
  if (frame.size() > kMaxRemoteFrameSize)
    return reject(RejectReason::oversized, std::to_string(frame.size()) + " bytes, more than the limit of " +
                                               std::to_string(kMaxRemoteFrameSize));
  auto j = nlohmann::json::parse(frame.begin(), frame.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return reject(RejectReason::malformed, "not a JSON object");
  auto version = j.find("haven_remote");
  if (version == j.end() || !version->is_number_integer()) return reject(RejectReason::malformed, "no \"haven_remote\" version");
  if (*version != kRemoteProtocolVersion)
    return reject(RejectReason::unknown_version, "version " + version->dump() + ", this build reads " +
                                                     std::to_string(kRemoteProtocolVersion));
  if (request_nonce != nullptr) {
    if (auto refused = j.find("rejected"); refused != j.end()) {
      std::string why = refused->is_string() ? refused->get<std::string>() : "?";
      if (why.size() > kMaxPeerReasonLength || !printable(why)) why = "?";
      return reject(RejectReason::refused_by_peer, why);
    }
  }
  auto kind = string_field(j, "kind", 16);
  auto cluster = string_field(j, "cluster", 64);
  auto sender = string_field(j, "sender", kMaxSenderLength);
  auto nonce = nonce_field(j, "nonce");
  auto body = string_field(j, "body", kMaxRemoteFrameSize);
  auto mac_hex = string_field(j, "mac", 2 * kMacSize);
  auto time = j.find("time");
  if (!kind || !cluster || !sender || sender->empty() || !printable(*sender) || !nonce || !body || !mac_hex ||
      time == j.end() || !time->is_number_integer())
    return reject(RejectReason::malformed, "a field is missing, of the wrong type or too long");
  if (time->is_number_unsigned() && time->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return reject(RejectReason::malformed, "\"time\" out of range");
  const std::int64_t time_ms = time->get<std::int64_t>();
  if (*kind != want_kind) return reject(RejectReason::wrong_kind, "a " + *kind + " where a " + std::string(want_kind) + " was expected");
  std::optional<Nonce> reply_to;
  if (request_nonce != nullptr) {
    reply_to = nonce_field(j, "reply_to");
    if (!reply_to) return reject(RejectReason::malformed, "a response without a valid \"reply_to\"");
  } else if (j.contains("reply_to")) {
    return reject(RejectReason::malformed, "a request with a \"reply_to\"");
  }
  const std::string ours = fingerprint_hex(key);
  if (*cluster != ours)
    return reject(RejectReason::other_cluster, "from \"" + *sender + "\": cluster id " + *cluster + ", ours is " + ours +
                                                   " (another cluster key)");
  auto mac = hex::decode(*mac_hex);
  if (!mac || mac->size() != kMacSize) return reject(RejectReason::malformed, "\"mac\" is not 64 hex digits");
  const auto expected = heartbeat_mac(signed_bytes(*kind, *cluster, *sender, time_ms, hex::encode(*nonce),
                                                   reply_to ? hex::encode(*reply_to) : std::string(), *body),
                                      key);
  if (CRYPTO_memcmp(expected.data(), mac->data(), kMacSize) != 0)
    return reject(RejectReason::bad_mac, "claiming to be from \"" + *sender + "\": the MAC does not match");
  if (time_ms < now_ms - kClockToleranceMs || time_ms > now_ms + kClockToleranceMs)
    return reject(RejectReason::clock_skew, "from \"" + *sender + "\": its clock is " +
                                                std::to_string((time_ms - now_ms) / 1000) +
                                                " s off ours (tolerance 60 s); synchronise the clocks (NTP)");
  if (request_nonce != nullptr && *reply_to != *request_nonce)
    return reject(RejectReason::wrong_reply, "from \"" + *sender + "\": it answers another request");
  if (seen != nullptr) {
    switch (seen->admit(*nonce, time_ms, now_ms)) {
      case NonceCache::Verdict::fresh: break;
      case NonceCache::Verdict::seen:
        return reject(RejectReason::replayed, "from \"" + *sender + "\": nonce " + hex::encode(*nonce) + " already seen");
      case NonceCache::Verdict::full:
        return reject(RejectReason::replay_cache_full, "from \"" + *sender + "\": too many requests within 60 s");
    }
  }
  return OpenedEnvelope{*sender, time_ms, *nonce, *body};
}

}  // namespace

Result<std::string> seal_request(std::string_view body, std::string_view sender, const ClusterKey& key,
                                 std::int64_t now_ms, const Nonce& nonce) {
  return seal("request", body, sender, std::nullopt, key, now_ms, nonce);
}

Result<std::string> seal_response(std::string_view body, std::string_view sender, const Nonce& request_nonce,
                                  const ClusterKey& key, std::int64_t now_ms, const Nonce& nonce) {
  return seal("response", body, sender, request_nonce, key, now_ms, nonce);
}

std::string rejection_frame(RejectReason reason) {
  return nlohmann::json{{"haven_remote", kRemoteProtocolVersion}, {"rejected", to_string(reason)}}.dump();
}

OpenResult open_request(std::string_view frame, const ClusterKey& key, std::int64_t now_ms, NonceCache& seen) {
  return open(frame, "request", key, now_ms, nullptr, &seen);
}

OpenResult open_response(std::string_view frame, const ClusterKey& key, std::int64_t now_ms, const Nonce& request_nonce) {
  return open(frame, "response", key, now_ms, &request_nonce, nullptr);
}

}  // namespace haven
