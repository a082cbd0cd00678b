// The tree manifest a secondary sends to its primary before a full reintegration, and the
// primary's request for it: bytes from the other node. Properties: the decoders never crash;
// an accepted manifest has only safe, strictly increasing paths, an accepted request only safe
// roots; both encode back to bytes that decode to the same thing.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "reintegration/manifest_codec.hpp"
#include "replication/change_message.hpp"

using namespace haven;

namespace {

void check_request(std::span<const std::byte> bytes) {
  auto decoded = reintegration::decode_manifest_request(bytes);
  if (!decoded.ok()) {
    HAVEN_FUZZ_CHECK(!decoded.error().message.empty(), "a refusal says why");
    return;
  }
  if (decoded.value().roots)
    for (const auto& root : *decoded.value().roots)
      HAVEN_FUZZ_CHECK(replication::is_safe_relative_path(root), "accepted roots stay inside the directory");
  const auto again = reintegration::decode_manifest_request(reintegration::encode_manifest_request(decoded.value()));
  HAVEN_FUZZ_CHECK(again.ok(), "an accepted request encodes to bytes the decoder accepts");
  HAVEN_FUZZ_CHECK(again.value().with_hashes == decoded.value().with_hashes && again.value().block_size == decoded.value().block_size &&
                       again.value().roots == decoded.value().roots,
                   "the round trip keeps the request as it was");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_request(std::span(reinterpret_cast<const std::byte*>(data), size));
  auto decoded = reintegration::decode_manifest(std::span(reinterpret_cast<const std::byte*>(data), size));
  if (!decoded.ok()) {
    HAVEN_FUZZ_CHECK(!decoded.error().message.empty(), "a refusal says why");
    return 0;
  }
  const auto& entries = decoded.value().entries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    HAVEN_FUZZ_CHECK(replication::is_safe_relative_path(entries[i].path), "accepted paths stay inside the directory");
    if (i > 0) HAVEN_FUZZ_CHECK(entries[i - 1].path < entries[i].path, "paths are strictly increasing");
  }
  const auto again = reintegration::decode_manifest(reintegration::encode_manifest(decoded.value()));
  HAVEN_FUZZ_CHECK(again.ok(), "an accepted manifest encodes to bytes the decoder accepts");
  HAVEN_FUZZ_CHECK(again.value() == decoded.value(), "the round trip keeps every entry as it was");
  return 0;
}
