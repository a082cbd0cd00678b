#include "remote/remote_envelope.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/log_text.hpp"
#include "control/bounded_json.hpp"
#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/hex.hpp"

namespace haven {
namespace {

constexpr std::string_view kMacDomain = "haven-remote-v2";
constexpr std::string_view kMagic = "haven-remote/";
constexpr std::size_t kMacSize = kHeartbeatMacSize;
constexpr std::size_t kMaxPeerReasonLength = 40;
constexpr std::size_t kMaxClusterIdLength = 64;
// A refusal is a few dozen bytes: anything longer is not read as one.
constexpr std::size_t kMaxRejectionFrameSize = 256;

void put_field(std::vector<std::uint8_t>& out, std::string_view field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), field.begin(), field.end());
}

// What the MAC covers: a domain tag that keeps these MACs apart from the heartbeats' under
// the same key, the cluster id, and the payload exactly as it travels.
std::array<std::uint8_t, kMacSize> payload_mac(std::string_view cluster, std::string_view payload, const ClusterKey& key) {
  std::vector<std::uint8_t> out;
  out.reserve(payload.size() + 96);
  put_field(out, kMacDomain);
  put_field(out, cluster);
  put_field(out, payload);
  return heartbeat_mac(out, key);
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

bool valid_node_name(std::string_view s) { return !s.empty() && s.size() <= kMaxSenderLength && printable(s); }

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

Result<std::string> seal(std::string_view kind, std::string_view body, std::string_view sender,
                         std::string_view recipient, std::optional<Nonce> reply_to, const ClusterKey& key,
                         std::int64_t now_ms, const Nonce& nonce) {
  for (auto [role, name] : {std::pair{"sender", sender}, std::pair{"recipient", recipient}})
    if (!valid_node_name(name))
      return fail(Errc::invalid_argument, std::string("remote command: the ") + role + " node name \"" +
                                              log_text(name) + "\" must be 1 to 64 printable characters");
  nlohmann::json j{{"kind", kind},       {"sender", sender},          {"recipient", recipient},
                   {"time", now_ms},     {"nonce", hex::encode(nonce)}, {"body", body}};
  if (reply_to) j["reply_to"] = hex::encode(*reply_to);
  std::string payload;
  try {
    payload = j.dump();
  } catch (const nlohmann::json::exception&) {
    return fail(Errc::invalid_argument, "remote command: the " + std::string(kind) + " body is not valid UTF-8 text");
  }
  const std::string cluster = fingerprint_hex(key);
  std::string frame = std::string(kMagic) + std::to_string(kRemoteProtocolVersion) + " " + cluster + " " +
                      hex::encode(payload_mac(cluster, payload, key)) + " " + payload;
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

// The next space-separated word of `rest` (at most `max` bytes), consuming it and the space.
std::optional<std::string_view> next_word(std::string_view& rest, std::size_t max) {
  const auto space = rest.substr(0, max + 1).find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  auto word = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return word;
}

// A frame of another format: version 1 was a JSON object starting {"haven_remote":1, and a
// later version would start haven-remote/N. Read without parsing anything else.
std::optional<std::string> other_version(std::string_view frame) {
  std::string_view digits;
  for (std::string_view prefix : {std::string_view(R"({"haven_remote":)"), kMagic}) {
    if (frame.substr(0, prefix.size()) == prefix) {
      digits = frame.substr(prefix.size());
      break;
    }
  }
  std::size_t n = 0;
  while (n < digits.size() && n < 9 && std::isdigit(static_cast<unsigned char>(digits[n]))) ++n;
  if (n == 0) return std::nullopt;
  return std::string(digits.substr(0, n));
}

OpenResult open(std::string_view frame, std::string_view want_kind, const ClusterKey& key, std::string_view this_node,
                std::string_view asked, std::int64_t now_ms, const Nonce* request_nonce, NonceCache* seen) {
  if (frame.size() > kMaxRemoteFrameSize)
    return reject(RejectReason::oversized, std::to_string(frame.size()) + " bytes, more than the limit of " +
                                               std::to_string(kMaxRemoteFrameSize));
  std::string_view rest = frame;
  auto version = next_word(rest, kMagic.size() + 10);
  if (!version || *version != std::string(kMagic) + std::to_string(kRemoteProtocolVersion)) {
    if (auto other = other_version(frame); other && *other != std::to_string(kRemoteProtocolVersion))
      return reject(RejectReason::unknown_version, "version " + *other + ", this build reads " +
                                                       std::to_string(kRemoteProtocolVersion) +
                                                       " (upgrade haven on every node)");
    return reject(RejectReason::malformed, "no \"" + std::string(kMagic) + std::to_string(kRemoteProtocolVersion) +
                                               "\" header");
  }
  auto cluster = next_word(rest, kMaxClusterIdLength);
  if (!cluster || !is_hex(*cluster)) return reject(RejectReason::malformed, "no cluster id of hex digits after the version");
  const std::string ours = fingerprint_hex(key);
  if (*cluster != ours)
    return reject(RejectReason::other_cluster, "cluster id " + std::string(*cluster) + ", ours is " + ours +
                                                   " (another cluster key)");
  auto mac_hex = next_word(rest, 2 * kMacSize);
  auto mac = mac_hex ? hex::decode(*mac_hex) : std::nullopt;
  if (!mac || mac->size() != kMacSize) return reject(RejectReason::malformed, "no MAC of 64 hex digits after the cluster id");
  const std::string_view payload = rest;
  const auto expected = payload_mac(*cluster, payload, key);
  if (CRYPTO_memcmp(expected.data(), mac->data(), kMacSize) != 0)
    return reject(RejectReason::bad_mac, "the MAC does not match (forged or altered, or signed with another key)");

  // Authentic from here on: a cluster-key holder wrote it. Still read with care.
  auto parsed = parse_bounded_json(payload, "the payload", 1);
  if (!parsed.ok() || !parsed->is_object()) return reject(RejectReason::malformed, "the signed payload is not a flat JSON object");
  const auto& j = *parsed;
  auto kind = string_field(j, "kind", 16);
  auto sender = string_field(j, "sender", kMaxSenderLength);
  auto recipient = string_field(j, "recipient", kMaxSenderLength);
  auto nonce = nonce_field(j, "nonce");
  auto body = string_field(j, "body", kMaxRemoteFrameSize);
  auto time = j.find("time");
  if (!kind || !sender || !valid_node_name(*sender) || !recipient || !valid_node_name(*recipient) || !nonce || !body ||
      time == j.end() || !time->is_number_integer())
    return reject(RejectReason::malformed, "a field is missing, of the wrong type or too long");
  if (time->is_number_unsigned() && time->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return reject(RejectReason::malformed, "\"time\" out of range");
  const std::int64_t time_ms = time->get<std::int64_t>();
  const std::string from = "from \"" + log_text(*sender) + "\"";
  if (*kind != want_kind)
    return reject(RejectReason::wrong_kind, from + ": a " + log_text(*kind) + " where a " + std::string(want_kind) +
                                                " was expected");
  std::optional<Nonce> reply_to;
  if (request_nonce != nullptr) {
    reply_to = nonce_field(j, "reply_to");
    if (!reply_to) return reject(RejectReason::malformed, from + ": a response without a valid \"reply_to\"");
  } else if (j.contains("reply_to")) {
    return reject(RejectReason::malformed, from + ": a request with a \"reply_to\"");
  }
  if (*recipient != this_node)
    return reject(RejectReason::wrong_recipient, from + ": addressed to node \"" + log_text(*recipient) +
                                                     "\", this is node \"" + log_text(this_node) + "\"");
  // A request signed as this very node was captured on its way out and sent back here.
  if (request_nonce == nullptr && *sender == this_node)
    return reject(RejectReason::wrong_recipient, from + ": a request signed as this node, sent back to it");
  if (request_nonce != nullptr && *sender != asked)
    return reject(RejectReason::wrong_sender, from + ": the answer was expected from node \"" + log_text(asked) + "\"");
  if (time_ms < now_ms - kClockToleranceMs || time_ms > now_ms + kClockToleranceMs)
    return reject(RejectReason::clock_skew, from + ": its clock is " + std::to_string((time_ms - now_ms) / 1000) +
                                                " s off ours (tolerance 60 s); synchronise the clocks (NTP)");
  if (request_nonce != nullptr && *reply_to != *request_nonce)
    return reject(RejectReason::wrong_reply, from + ": it answers another request");
  if (seen != nullptr) {
    switch (seen->admit(*nonce, time_ms, now_ms)) {
      case NonceCache::Verdict::fresh: break;
      case NonceCache::Verdict::seen:
        return reject(RejectReason::replayed, from + ": nonce " + hex::encode(*nonce) + " already seen");
      case NonceCache::Verdict::full:
        return reject(RejectReason::replay_cache_full, from + ": too many requests within 60 s");
    }
  }
  return OpenedEnvelope{*sender, *recipient, time_ms, *nonce, *body};
}

// A peer's unsigned refusal, {"haven_remote":N,"rejected":"<reason>"}, or nothing when the
// frame is not one. Small frames only: it is read before anything is authenticated.
std::optional<EnvelopeRejection> peer_refusal(std::string_view frame) {
  if (frame.empty() || frame.front() != '{' || frame.size() > kMaxRejectionFrameSize) return std::nullopt;
  auto parsed = parse_bounded_json(frame, "a refusal", 1);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  auto refused = parsed->find("rejected");
  if (refused == parsed->end()) return std::nullopt;
  // A node of another version refuses our frames as malformed: say what is wrong instead.
  auto version = parsed->find("haven_remote");
  if (version != parsed->end() && *version != kRemoteProtocolVersion)
    return reject(RejectReason::refused_by_peer, to_string(RejectReason::unknown_version));
  std::string why = refused->is_string() ? refused->get<std::string>() : "?";
  // A reason is a name like other_cluster: anything else is not shown or logged.
  const bool a_name = std::all_of(why.begin(), why.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
  if (why.empty() || why.size() > kMaxPeerReasonLength || !a_name) why = "?";
  return reject(RejectReason::refused_by_peer, why);
}

}  // namespace

Result<std::string> seal_request(std::string_view body, std::string_view sender, std::string_view recipient,
                                 const ClusterKey& key, std::int64_t now_ms, const Nonce& nonce) {
  return seal("request", body, sender, recipient, std::nullopt, key, now_ms, nonce);
}

Result<std::string> seal_response(std::string_view body, std::string_view sender, std::string_view recipient,
                                  const Nonce& request_nonce, const ClusterKey& key, std::int64_t now_ms,
                                  const Nonce& nonce) {
  return seal("response", body, sender, recipient, request_nonce, key, now_ms, nonce);
}

std::string rejection_frame(RejectReason reason) {
  return nlohmann::json{{"haven_remote", kRemoteProtocolVersion}, {"rejected", to_string(reason)}}.dump();
}

OpenResult open_request(std::string_view frame, const ClusterKey& key, std::string_view this_node, std::int64_t now_ms,
                        NonceCache& seen) {
  return open(frame, "request", key, this_node, {}, now_ms, nullptr, &seen);
}

OpenResult open_response(std::string_view frame, const ClusterKey& key, std::string_view this_node,
                         std::string_view asked, std::int64_t now_ms, const Nonce& request_nonce) {
  if (auto refusal = peer_refusal(frame)) return *refusal;
  return open(frame, "response", key, this_node, asked, now_ms, &request_nonce, nullptr);
}

}  // namespace haven
