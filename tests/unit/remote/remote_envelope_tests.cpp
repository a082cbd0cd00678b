#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/hex.hpp"
#include "remote/remote_envelope.hpp"

using namespace haven;

namespace {

constexpr std::int64_t kNow = 1'780'000'000'000;

ClusterKey key_of(std::uint8_t fill) {
  ClusterKey k;
  k.bytes.fill(fill);
  return k;
}

Nonce nonce_of(std::uint8_t fill) {
  Nonce n;
  n.fill(fill);
  return n;
}

NonceCache fresh_cache() { return NonceCache(kClockToleranceMs, 1000); }

// node1 asks node2.
std::string request_frame(const std::string& body = R"({"command":"state"})", std::int64_t at = kNow,
                          std::uint8_t nonce = 1, const ClusterKey& key = key_of(7)) {
  auto frame = seal_request(body, "node1", "node2", key, at, nonce_of(nonce));
  REQUIRE(frame.ok());
  return *frame;
}

OpenResult open_at_node2(std::string_view frame, NonceCache& cache, std::int64_t now = kNow,
                         const ClusterKey& key = key_of(7)) {
  return open_request(frame, key, "node2", now, cache);
}

RejectReason reason_of(const OpenResult& r) {
  REQUIRE(std::holds_alternative<EnvelopeRejection>(r));
  const auto& why = std::get<EnvelopeRejection>(r);
  CHECK_FALSE(why.detail.empty());
  return why.reason;
}

// "haven-remote/2", cluster id, MAC and payload of a frame.
struct Parts {
  std::string version, cluster, mac, payload;
  std::string join() const { return version + " " + cluster + " " + mac + " " + payload; }
};

Parts split(const std::string& frame) {
  Parts p;
  std::size_t a = frame.find(' '), b = frame.find(' ', a + 1), c = frame.find(' ', b + 1);
  REQUIRE(c != std::string::npos);
  p.version = frame.substr(0, a);
  p.cluster = frame.substr(a + 1, b - a - 1);
  p.mac = frame.substr(b + 1, c - b - 1);
  p.payload = frame.substr(c + 1);
  return p;
}

// The frame with one payload field changed and its MAC left as it was: a forgery.
std::string with_field(const std::string& frame, const std::string& name, const nlohmann::json& value) {
  auto p = split(frame);
  auto j = nlohmann::json::parse(p.payload);
  j[name] = value;
  p.payload = j.dump();
  return p.join();
}

// The frame with one payload field changed and signed again with `key`: what a key holder
// could send.
std::string resigned_with_field(const std::string& frame, const std::string& name, const nlohmann::json& value,
                                const ClusterKey& key = key_of(7)) {
  auto p = split(with_field(frame, name, value));
  std::vector<std::uint8_t> signed_part;
  for (std::string_view field : {std::string_view("haven-remote-v2"), std::string_view(p.cluster), std::string_view(p.payload)}) {
    const auto n = static_cast<std::uint32_t>(field.size());
    for (int i = 3; i >= 0; --i) signed_part.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    signed_part.insert(signed_part.end(), field.begin(), field.end());
  }
  p.mac = hex::encode(heartbeat_mac(signed_part, key));
  return p.join();
}

}  // namespace

TEST_CASE("a sealed request opens with the same sender, recipient, time, nonce and body", "[remote][envelope]") {
  auto cache = fresh_cache();
  const std::string body = "{\"command\":\"start\",\"module\":\"web\",\"args\":{\"x\":\"é\\n\"}}";
  auto opened = open_at_node2(request_frame(body), cache, kNow + 500);
  REQUIRE(std::holds_alternative<OpenedEnvelope>(opened));
  const auto& env = std::get<OpenedEnvelope>(opened);
  CHECK(env.sender == "node1");
  CHECK(env.recipient == "node2");
  CHECK(env.time_ms == kNow);
  CHECK(env.nonce == nonce_of(1));
  CHECK(env.body == body);
}

TEST_CASE("a frame is one line: no newline inside, whatever the body holds", "[remote][envelope]") {
  CHECK(request_frame("line1\nline2\r\n").find('\n') == std::string::npos);
}

TEST_CASE("a request signed with another key is refused as another cluster", "[remote][envelope]") {
  auto cache = fresh_cache();
  CHECK(reason_of(open_at_node2(request_frame("{}", kNow, 1, key_of(8)), cache)) == RejectReason::other_cluster);
}

TEST_CASE("a request claiming our cluster id but signed with another key is refused by its MAC", "[remote][envelope]") {
  auto cache = fresh_cache();
  auto p = split(request_frame("{}", kNow, 1, key_of(8)));
  p.cluster = fingerprint_hex(key_of(7));
  CHECK(reason_of(open_at_node2(p.join(), cache)) == RejectReason::bad_mac);
}

TEST_CASE("changing any signed field of a request breaks its MAC", "[remote][envelope]") {
  const auto frame = request_frame(R"({"command":"state"})");
  auto field = GENERATE(as<std::string>{}, "body", "sender", "recipient", "time", "nonce", "kind");
  nlohmann::json value;
  if (field == "body") value = R"({"command":"stop"})";
  if (field == "sender") value = "node3";
  if (field == "recipient") value = "node3";
  if (field == "time") value = kNow + 1;
  if (field == "nonce") value = std::string(32, 'a');
  if (field == "kind") value = "request ";
  auto cache = fresh_cache();
  INFO(field);
  CHECK(reason_of(open_at_node2(with_field(frame, field, value), cache)) == RejectReason::bad_mac);
}

TEST_CASE("finding 13: the MAC is checked before the payload is read: a forged payload is refused as forged, "
          "whatever it holds",
          "[remote][envelope]") {
  auto cache = fresh_cache();
  auto p = split(request_frame());
  for (const std::string& payload : {p.payload.substr(0, p.payload.size() - 1), std::string(100'000, '['),
                                     std::string("[") + std::string(200'000, '{') })
    CHECK(reason_of(open_at_node2(Parts{p.version, p.cluster, p.mac, payload}.join(), cache)) == RejectReason::bad_mac);
}

TEST_CASE("finding 5: a request is accepted only by the node it is addressed to, and never by its own sender",
          "[remote][envelope]") {
  auto cache = fresh_cache();
  const auto frame = request_frame();
  auto elsewhere = open_request(frame, key_of(7), "node3", kNow, cache);
  CHECK(reason_of(elsewhere) == RejectReason::wrong_recipient);
  CHECK_THAT(std::get<EnvelopeRejection>(elsewhere).detail, Catch::Contains("node2") && Catch::Contains("node3"));
  CHECK(reason_of(open_request(frame, key_of(7), "node1", kNow, cache)) == RejectReason::wrong_recipient);
  auto to_self = seal_request("{}", "node2", "node2", key_of(7), kNow, nonce_of(2));
  REQUIRE(to_self.ok());
  CHECK(reason_of(open_at_node2(*to_self, cache)) == RejectReason::wrong_recipient);
  // Refused before its nonce is remembered: the node it is meant for still accepts it.
  CHECK(std::holds_alternative<OpenedEnvelope>(open_at_node2(frame, cache)));
}

TEST_CASE("a request stamped more than 60 s away from our clock is refused, either way", "[remote][envelope]") {
  auto cache = fresh_cache();
  CHECK(reason_of(open_at_node2(request_frame("{}", kNow - kClockToleranceMs - 1), cache)) == RejectReason::clock_skew);
  CHECK(reason_of(open_at_node2(request_frame("{}", kNow + kClockToleranceMs + 1, 2), cache)) == RejectReason::clock_skew);
  CHECK(std::holds_alternative<OpenedEnvelope>(open_at_node2(request_frame("{}", kNow - kClockToleranceMs, 3), cache)));
}

TEST_CASE("a request sent twice is refused the second time as a replay", "[remote][envelope]") {
  auto cache = fresh_cache();
  const auto frame = request_frame();
  CHECK(std::holds_alternative<OpenedEnvelope>(open_at_node2(frame, cache)));
  CHECK(reason_of(open_at_node2(frame, cache, kNow + 1000)) == RejectReason::replayed);
  // Once the window is over, the timestamp refuses it: the replay never gets through.
  CHECK(reason_of(open_at_node2(frame, cache, kNow + kClockToleranceMs + 1)) == RejectReason::clock_skew);
}

TEST_CASE("a refused request does not use up its nonce", "[remote][envelope]") {
  auto cache = fresh_cache();
  auto tampered = with_field(request_frame(), "body", "{}");
  CHECK(reason_of(open_at_node2(tampered, cache)) == RejectReason::bad_mac);
  CHECK(cache.size() == 0);
  CHECK(std::holds_alternative<OpenedEnvelope>(open_at_node2(request_frame(), cache)));
}

TEST_CASE("truncated, oversized and malformed frames are refused without reading past them", "[remote][envelope]") {
  auto cache = fresh_cache();
  const auto frame = request_frame();
  const std::size_t header = frame.size() - split(frame).payload.size();
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, header / 2, header - 1})
    CHECK(reason_of(open_at_node2(std::string_view(frame).substr(0, cut), cache)) == RejectReason::malformed);
  for (std::size_t cut : {header, header + 1, (header + frame.size()) / 2, frame.size() - 1})
    CHECK(reason_of(open_at_node2(std::string_view(frame).substr(0, cut), cache)) == RejectReason::bad_mac);
  CHECK(reason_of(open_at_node2(std::string(kMaxRemoteFrameSize + 1, ' '), cache)) == RejectReason::oversized);
  CHECK(reason_of(open_at_node2("[1,2]", cache)) == RejectReason::malformed);
  // Authentic but malformed: only a key holder can send these, and they are refused too.
  CHECK(reason_of(open_at_node2(resigned_with_field(frame, "time", "now"), cache)) == RejectReason::malformed);
  CHECK(reason_of(open_at_node2(resigned_with_field(frame, "time", 18446744073709551615ULL), cache)) ==
        RejectReason::malformed);
  CHECK(reason_of(open_at_node2(resigned_with_field(frame, "nonce", "zz"), cache)) == RejectReason::malformed);
  CHECK(reason_of(open_at_node2(resigned_with_field(frame, "sender", "node\n1"), cache)) == RejectReason::malformed);
  CHECK(reason_of(open_at_node2(resigned_with_field(frame, "body", nlohmann::json::array()), cache)) ==
        RejectReason::malformed);
  CHECK(reason_of(open_at_node2(resigned_with_field(frame, "kind", "response\n"), cache)) == RejectReason::wrong_kind);
  auto p = split(frame);
  p.version = "haven-remote/3";
  CHECK(reason_of(open_at_node2(p.join(), cache)) == RejectReason::unknown_version);
  CHECK(reason_of(open_at_node2(R"({"haven_remote":1,"kind":"request"})", cache)) == RejectReason::unknown_version);
}

TEST_CASE("a body that would make the frame larger than the limit is not sealed", "[remote][envelope]") {
  auto r = seal_request(std::string(kMaxRemoteFrameSize, 'x'), "node1", "node2", key_of(7), kNow, nonce_of(1));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("limit"));
  CHECK_FALSE(seal_request("{}", "", "node2", key_of(7), kNow, nonce_of(1)).ok());
  CHECK_FALSE(seal_request("{}", "node1", "", key_of(7), kNow, nonce_of(1)).ok());
  CHECK_FALSE(seal_request("\xff\xfe", "node1", "node2", key_of(7), kNow, nonce_of(1)).ok());
}

TEST_CASE("finding 5: a response opens only for the request it answers, from the node asked, for the node that asked",
          "[remote][envelope]") {
  auto response = seal_response(R"({"ok":true})", "node2", "node1", nonce_of(1), key_of(7), kNow, nonce_of(9));
  REQUIRE(response.ok());
  auto opened = open_response(*response, key_of(7), "node1", "node2", kNow, nonce_of(1));
  REQUIRE(std::holds_alternative<OpenedEnvelope>(opened));
  CHECK(std::get<OpenedEnvelope>(opened).sender == "node2");
  CHECK(std::get<OpenedEnvelope>(opened).body == R"({"ok":true})");
  CHECK(reason_of(open_response(*response, key_of(7), "node1", "node2", kNow, nonce_of(2))) == RejectReason::wrong_reply);
  CHECK(reason_of(open_response(with_field(*response, "reply_to", std::string(32, '2')), key_of(7), "node1", "node2",
                                kNow, nonce_of(2))) == RejectReason::bad_mac);
  // node3's answer, or an answer meant for another asker, is not node2's answer to us.
  CHECK(reason_of(open_response(*response, key_of(7), "node1", "node3", kNow, nonce_of(1))) == RejectReason::wrong_sender);
  CHECK(reason_of(open_response(*response, key_of(7), "node4", "node2", kNow, nonce_of(1))) ==
        RejectReason::wrong_recipient);
}

TEST_CASE("a request is not accepted as a response, nor a response as a request", "[remote][envelope]") {
  auto cache = fresh_cache();
  auto response = seal_response("{}", "node1", "node2", nonce_of(1), key_of(7), kNow, nonce_of(9));
  REQUIRE(response.ok());
  CHECK(reason_of(open_at_node2(*response, cache)) == RejectReason::wrong_kind);
  CHECK(reason_of(open_response(request_frame(), key_of(7), "node2", "node1", kNow, nonce_of(1))) ==
        RejectReason::wrong_kind);
}

TEST_CASE("a peer's refusal is read as such, with its reason only", "[remote][envelope]") {
  auto r = open_response(rejection_frame(RejectReason::other_cluster), key_of(7), "node1", "node2", kNow, nonce_of(1));
  REQUIRE(reason_of(r) == RejectReason::refused_by_peer);
  CHECK(std::get<EnvelopeRejection>(r).detail == "other_cluster");
  auto odd = open_response(R"({"haven_remote":2,"rejected":"\u0007beep"})", key_of(7), "node1", "node2", kNow, nonce_of(1));
  CHECK(std::get<EnvelopeRejection>(odd).detail == "?");
  // A node of the previous version refuses our frames as malformed: that is a version mismatch.
  auto old = open_response(R"({"haven_remote":1,"rejected":"malformed"})", key_of(7), "node1", "node2", kNow, nonce_of(1));
  CHECK(std::get<EnvelopeRejection>(old).detail == "unknown_version");
}

TEST_CASE("finding 17: peer-provided names reach the refusal's detail escaped, on one line",
          "[remote][envelope][log]") {
  auto cache = fresh_cache();
  auto frame = resigned_with_field(request_frame(), "kind", "x\r\nI FORGED\x1b[");
  auto r = open_at_node2(frame, cache);
  REQUIRE(reason_of(r) == RejectReason::wrong_kind);
  const auto& detail = std::get<EnvelopeRejection>(r).detail;
  CHECK(detail.find_first_of("\r\n\x1b") == std::string::npos);
  CHECK_THAT(detail, Catch::Contains(R"(x\x0d\x0aI FORGED\x1b[)"));
}
