// The replication link's control frames as the secondary reads them (in-sync marker, request,
// keep-alive): parse must refuse anything malformed without crashing, and what it accepts must
// encode back to the same bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "replication_link/link_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace haven::replication;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto frame = parse_control_frame(bytes);
  if (!frame.ok()) {
    HAVEN_FUZZ_CHECK(!frame.error().message.empty(), "a refusal says why");
    return 0;
  }
  HAVEN_FUZZ_CHECK(frame->kind == ControlKind::in_sync_marker || frame->kind == ControlKind::request ||
                       frame->kind == ControlKind::keepalive,
                   "an accepted frame has a known kind");
  HAVEN_FUZZ_CHECK(frame->kind != ControlKind::keepalive || frame->body.size() == kKeepaliveBodySize,
                   "an accepted keep-alive carries its echo");
  std::vector<std::byte> again;
  append_control_frame(again, frame->kind, frame->sequence, frame->body);
  HAVEN_FUZZ_CHECK(again.size() == kFrameHeaderSize + size && get_le(again.data(), kFrameHeaderSize) == (kControlFrameFlag | size) &&
                       std::equal(again.begin() + kFrameHeaderSize, again.end(), bytes.begin()),
                   "an accepted control frame encodes back to the same bytes");
  return 0;
}
