// Replication changes as the secondary receives them: decode must refuse anything unsafe
// without crashing, and what it accepts must encode back to the same bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "replication/change_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto change = haven::replication::decode(bytes);
  if (!change.ok()) {
    HAVEN_FUZZ_CHECK(!change.error().message.empty(), "a refusal says why");
    return 0;
  }
  HAVEN_FUZZ_CHECK(haven::replication::is_safe_relative_path(change->path), "an accepted change has a safe path");
  auto again = haven::replication::encode(*change);
  HAVEN_FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), bytes.begin()),
                   "an accepted change encodes back to the same bytes");
  return 0;
}
