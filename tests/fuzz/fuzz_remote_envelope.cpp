// The remote command envelope decoder under hostile bytes. Byte 0 picks the mode: even, the
// rest is a frame as it arrives from the network, opened as a request and as a response
// (random bytes almost never pass the MAC, but every check before it is explored); odd, the
// rest is a body the target seals with the fixed key, so what follows the MAC is explored too
// and the round trip must give the body back byte for byte.
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_check.hpp"
#include "remote/remote_envelope.hpp"

namespace {

constexpr std::int64_t kNow = 1'780'000'000'000;

haven::ClusterKey fixed_key() {
  haven::ClusterKey key;
  key.bytes.fill(0x5a);
  return key;
}

haven::Nonce nonce_of(std::uint8_t fill) {
  haven::Nonce n;
  n.fill(fill);
  return n;
}

void check_rejection(const haven::OpenResult& r) {
  if (auto* why = std::get_if<haven::EnvelopeRejection>(&r))
    HAVEN_FUZZ_CHECK(!why->detail.empty(), std::string("rejection without detail: ") + to_string(why->reason));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const haven::ClusterKey key = fixed_key();
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  haven::NonceCache cache(haven::kClockToleranceMs, 16);
  if ((data[0] & 1) == 0) {
    auto request = haven::open_request(rest, key, "node2", kNow, cache);
    check_rejection(request);
    auto response = haven::open_response(rest, key, "node1", "node2", kNow, nonce_of(1));
    check_rejection(response);
    return 0;
  }
  auto sealed = haven::seal_request(rest, "node1", "node2", key, kNow, nonce_of(1));
  if (!sealed.ok()) return 0;  // not UTF-8, or too large: refused before anything is sent
  HAVEN_FUZZ_CHECK(sealed->find('\n') == std::string::npos, "a sealed frame holds a newline");
  auto opened = haven::open_request(*sealed, key, "node2", kNow, cache);
  auto* envelope = std::get_if<haven::OpenedEnvelope>(&opened);
  HAVEN_FUZZ_CHECK(envelope != nullptr, "a frame sealed with our key is refused");
  HAVEN_FUZZ_CHECK(envelope->body == rest, "the body does not survive the round trip");
  auto again = haven::open_request(*sealed, key, "node2", kNow, cache);
  HAVEN_FUZZ_CHECK(std::holds_alternative<haven::EnvelopeRejection>(again), "a replayed request is accepted");
  return 0;
}
