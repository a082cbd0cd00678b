// Lower-case hex text of bytes and back; shared by the key file and the fingerprint.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace haven::hex {

std::string encode(std::span<const std::uint8_t> bytes);

/// nullopt on an odd length or a non-hex character; `bad_at` then holds its offset.
std::optional<std::vector<std::uint8_t>> decode(std::string_view text, std::size_t* bad_at = nullptr);

}  // namespace haven::hex
