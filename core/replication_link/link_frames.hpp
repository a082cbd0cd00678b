// The replication link's wire format inside TLS. Primary to secondary: frames of a 32-bit
// little-endian length and an encoded Change. Secondary to primary: 64-bit little-endian
// cumulative acknowledgements (every change up to this sequence is safe).
#pragma once

#include <cstddef>
#include <cstdint>

#include "replication/change_message.hpp"

namespace haven::replication {

inline constexpr std::size_t kFrameHeaderSize = 4;
inline constexpr std::size_t kAckSize = 8;
/// The largest encoded change (16 MiB of data plus paths and fixed fields), with room.
inline constexpr std::size_t kMaxFrameSize = kMaxChangeData + 3 * kMaxChangePath + kMaxXattrName + 1024;

inline void put_le(std::byte* out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
}

inline std::uint64_t get_le(const std::byte* in, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = bytes; i-- > 0;) value = (value << 8) | std::to_integer<std::uint8_t>(in[i]);
  return value;
}

}  // namespace haven::replication
