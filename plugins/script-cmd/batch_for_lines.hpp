// `for /f`: its options ("tokens=1,2* delims=, skip=1 eol=; usebackq") and how it cuts a line
// into the values of its variables. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haven/result.hpp"

namespace haven::cmd {

struct ForLinesOptions {
  std::vector<int> tokens{1};  ///< 1-based, ascending
  bool rest = false;           ///< a '*': one more variable gets the rest of the line
  std::string delims = " \t";
  int skip = 0;
  std::optional<char> eol = ';';
  bool usebackq = false;
};

/// Reads the options string (quotes already removed). Errors name the option and what is
/// expected, e.g. "tokens=0" (tokens start at 1).
[[nodiscard]] Result<ForLinesOptions> parse_for_lines_options(std::string_view options);

/// The values of the variables for one line: one per token asked for, then the rest of the
/// line if asked. nullopt when cmd would skip the line (empty, an eol comment, no token).
std::optional<std::vector<std::string>> split_for_line(std::string_view line, const ForLinesOptions& options);

}  // namespace haven::cmd
