#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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

std::string request_frame(const std::string& body = R"({"command":"state"})", std::int64_t at = kNow,
                          std::uint8_t nonce = 1, const ClusterKey& key = key_of(7)) {
  auto frame = seal_request(body, "node1", key, at, nonce_of(nonce));
  REQUIRE(frame.ok());
  return *frame;
}

RejectReason reason_of(const OpenResult& r) {
  REQUIRE(std::holds_alternative<EnvelopeRejection>(r));
  const auto& why = std::get<EnvelopeRejection>(r);
  CHECK_FALSE(why.detail.empty());
  return why.reason;
}

std::string with_field(const std::string& frame, const std::string& name, const nlohmann::json& value) {
  auto j = nlohmann::json::parse(frame);
  j[name] = value;
  return j.dump();
}

}  // namespace

TEST_CASE("a sealed request opens with the same sender, time, nonce and body", "[remote][envelope]") {
  auto cache = fresh_cache();
  const std::string body = "{\"command\":\"start\",\"module\":\"web\",\"args\":{\"x\":\"é\\n\"}}";
  auto opened = open_request(request_frame(body), key_of(7), kNow + 500, cache);
  REQUIRE(std::holds_alternative<OpenedEnvelope>(opened));
  const auto& env = std::get<OpenedEnvelope>(opened);
  CHECK(env.sender == "node1");
  CHECK(env.time_ms == kNow);
  CHECK(env.nonce == nonce_of(1));
  CHECK(env.body == body);
}

TEST_CASE("a frame is one line: no newline inside, whatever the body holds", "[remote][envelope]") {
  CHECK(request_frame("line1\nline2\r\n").find('\n') == std::string::npos);
}

TEST_CASE("a request signed with another key is refused as another cluster", "[remote][envelope]") {
  auto cache = fresh_cache();
  CHECK(reason_of(open_request(request_frame("{}", kNow, 1, key_of(8)), key_of(7), kNow, cache)) ==
        RejectReason::other_cluster);
}

TEST_CASE("a request claiming our cluster id but signed with another key is refused by its MAC", "[remote][envelope]") {
  auto cache = fresh_cache();
  auto forged = with_field(request_frame("{}", kNow, 1, key_of(8)), "cluster", fingerprint_hex(key_of(7)));
  CHECK(reason_of(open_request(forged, key_of(7), kNow, cache)) == RejectReason::bad_mac);
}

TEST_CASE("changing any signed field of a request breaks its MAC", "[remote][envelope]") {
  const auto frame = request_frame(R"({"command":"state"})");
  auto field = GENERATE(as<std::string>{}, "body", "sender", "time", "nonce", "kind");
  nlohmann::json value;
  if (field == "body") value = R"({"command":"stop"})";
  if (field == "sender") value = "node2";
  if (field == "time") value = kNow + 1;
  if (field == "nonce") value = std::string(32, 'a');
  if (field == "kind") value = "request ";
  auto cache = fresh_cache();
  auto r = open_request(with_field(frame, field, value), key_of(7), kNow, cache);
  auto reason = reason_of(r);
  INFO(field);
  if (field == "kind") CHECK(reason == RejectReason::wrong_kind);
  else CHECK(reason == RejectReason::bad_mac);
}

TEST_CASE("a request stamped more than 60 s away from our clock is refused, either way", "[remote][envelope]") {
  auto cache = fresh_cache();
  CHECK(reason_of(open_request(request_frame("{}", kNow - kClockToleranceMs - 1), key_of(7), kNow, cache)) ==
        RejectReason::clock_skew);
  CHECK(reason_of(open_request(request_frame("{}", kNow + kClockToleranceMs + 1, 2), key_of(7), kNow, cache)) ==
        RejectReason::clock_skew);
  CHECK(std::holds_alternative<OpenedEnvelope>(
      open_request(request_frame("{}", kNow - kClockToleranceMs, 3), key_of(7), kNow, cache)));
}

TEST_CASE("a request sent twice is refused the second time as a replay", "[remote][envelope]") {
  auto cache = fresh_cache();
  const auto frame = request_frame();
  CHECK(std::holds_alternative<OpenedEnvelope>(open_request(frame, key_of(7), kNow, cache)));
  CHECK(reason_of(open_request(frame, key_of(7), kNow + 1000, cache)) == RejectReason::replayed);
  // Once the window is over, the timestamp refuses it: the replay never gets through.
  CHECK(reason_of(open_request(frame, key_of(7), kNow + kClockToleranceMs + 1, cache)) == RejectReason::clock_skew);
}

TEST_CASE("a refused request does not use up its nonce", "[remote][envelope]") {
  auto cache = fresh_cache();
  auto tampered = with_field(request_frame(), "body", "{}");
  CHECK(reason_of(open_request(tampered, key_of(7), kNow, cache)) == RejectReason::bad_mac);
  CHECK(cache.size() == 0);
  CHECK(std::holds_alternative<OpenedEnvelope>(open_request(request_frame(), key_of(7), kNow, cache)));
}

TEST_CASE("truncated, oversized and malformed frames are refused without reading past them", "[remote][envelope]") {
  auto cache = fresh_cache();
  const auto frame = request_frame();
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, frame.size() / 2, frame.size() - 1})
    CHECK(reason_of(open_request(std::string_view(frame).substr(0, cut), key_of(7), kNow, cache)) ==
          RejectReason::malformed);
  CHECK(reason_of(open_request(std::string(kMaxRemoteFrameSize + 1, ' '), key_of(7), kNow, cache)) ==
        RejectReason::oversized);
  CHECK(reason_of(open_request("[1,2]", key_of(7), kNow, cache)) == RejectReason::malformed);
  CHECK(reason_of(open_request(with_field(frame, "time", "now"), key_of(7), kNow, cache)) == RejectReason::malformed);
  CHECK(reason_of(open_request(with_field(frame, "time", 18446744073709551615ULL), key_of(7), kNow, cache)) ==
        RejectReason::malformed);
  CHECK(reason_of(open_request(with_field(frame, "nonce", "zz"), key_of(7), kNow, cache)) == RejectReason::malformed);
  CHECK(reason_of(open_request(with_field(frame, "haven_remote", 2), key_of(7), kNow, cache)) ==
        RejectReason::unknown_version);
}

TEST_CASE("a body that would make the frame larger than the limit is not sealed", "[remote][envelope]") {
  auto r = seal_request(std::string(kMaxRemoteFrameSize, 'x'), "node1", key_of(7), kNow, nonce_of(1));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("limit"));
  CHECK_FALSE(seal_request("{}", "", key_of(7), kNow, nonce_of(1)).ok());
  CHECK_FALSE(seal_request("\xff\xfe", "node1", key_of(7), kNow, nonce_of(1)).ok());
}

TEST_CASE("a response opens only for the request it answers", "[remote][envelope]") {
  auto response = seal_response(R"({"ok":true})", "node2", nonce_of(1), key_of(7), kNow, nonce_of(9));
  REQUIRE(response.ok());
  auto opened = open_response(*response, key_of(7), kNow, nonce_of(1));
  REQUIRE(std::holds_alternative<OpenedEnvelope>(opened));
  CHECK(std::get<OpenedEnvelope>(opened).sender == "node2");
  CHECK(std::get<OpenedEnvelope>(opened).body == R"({"ok":true})");
  CHECK(reason_of(open_response(*response, key_of(7), kNow, nonce_of(2))) == RejectReason::wrong_reply);
  CHECK(reason_of(open_response(with_field(*response, "reply_to", std::string(32, '2')), key_of(7), kNow, nonce_of(2))) ==
        RejectReason::bad_mac);
}

TEST_CASE("a request is not accepted as a response, nor a response as a request", "[remote][envelope]") {
  auto cache = fresh_cache();
  auto response = seal_response("{}", "node2", nonce_of(1), key_of(7), kNow, nonce_of(9));
  REQUIRE(response.ok());
  CHECK(reason_of(open_request(*response, key_of(7), kNow, cache)) == RejectReason::wrong_kind);
  CHECK(reason_of(open_response(request_frame(), key_of(7), kNow, nonce_of(1))) == RejectReason::wrong_kind);
}

TEST_CASE("a peer's refusal is read as such, with its reason only", "[remote][envelope]") {
  auto r = open_response(rejection_frame(RejectReason::other_cluster), key_of(7), kNow, nonce_of(1));
  REQUIRE(reason_of(r) == RejectReason::refused_by_peer);
  CHECK(std::get<EnvelopeRejection>(r).detail == "other_cluster");
  auto odd = open_response(R"({"haven_remote":1,"rejected":"\u0007beep"})", key_of(7), kNow, nonce_of(1));
  CHECK(std::get<EnvelopeRejection>(odd).detail == "?");
}
