// Base64 (RFC 4648, with padding): how a module archive travels inside a JSON request to
// another node's havend (`haven -H NODES -E M`). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace haven {

/// The base64 text of `bytes`, without line breaks.
std::string base64_encode(std::string_view bytes);

/// The bytes of base64 `text` (padding required, no whitespace); nullopt when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace haven
