// Parsing JSON from outside (the control sockets, other nodes) with a bound on nesting.
//
// nlohmann::json parses iteratively, but copying and dumping a value recurse, so a document
// of a few hundred kilobytes nested 150 000 levels deep would overflow the stack of whoever
// copies it. The parse is stopped as soon as a container opens deeper than the limit.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven {

/// Deeper than any message of the control and remote protocols needs.
inline constexpr int kMaxJsonDepth = 64;

/// The JSON value of `text`. parse_error naming `what` when it is not one valid JSON value,
/// or when it holds arrays or objects nested more than `max_depth` levels.
[[nodiscard]] Result<nlohmann::json> parse_bounded_json(std::string_view text, std::string_view what,
                                                        int max_depth = kMaxJsonDepth);

}  // namespace haven
