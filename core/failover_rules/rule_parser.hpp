// Reads the seed product's failover rule language:
//   label: if (expr) then stop()|stopstart()|wait()|restart()|swap();
// where expr combines `[local.|remote.]class.id == value` (or `!=`) with !, && and || and
// parentheses; id may be `?` (at least one) or `*` (every one). `#` and `//` start comments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "failover_rules/failover_rule.hpp"
#include "haven/result.hpp"

namespace haven::failover {

/// Parses every rule of `text`. `source` names the file in errors; `first_line` is the line
/// of the text's first character in that file (the CDATA's line in userconfig.xml).
/// invalid_argument naming source, line, column, what was found and what was expected.
/// Labels must be unique within the text.
Result<std::vector<FailoverRule>> parse_rules(std::string_view text, const std::string& source, int first_line = 1);

}  // namespace haven::failover
