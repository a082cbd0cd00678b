// Failover rules written in Lua, as the seed product allows: a `<failover>` CDATA starting
// with `--Lua Rules`, such as
//   --Lua Rules
//   Rules = Rules + {db_down = if_then("custom.db", "down", Action.stopstart), _group = "checker"}
//   Rules.disable("ip_failure")
// The script runs once, at load, in a sandboxed Lua 5.4 state (no io, os, require, load or
// debug; bounded in memory and instructions), and yields the same rule objects as the text
// language.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "failover_rules/failover_rule.hpp"
#include "haven/result.hpp"

namespace haven::failover {

/// True when `text` (leading blanks aside) starts with `--Lua Rules`.
bool is_lua_rules(std::string_view text);

/// What a Lua rule script says.
struct LuaRuleSet {
  std::vector<FailoverRule> rules;     ///< in the order added (within one `Rules + {...}`, by label)
  std::vector<std::string> disabled;   ///< labels given to Rules.disable(), in order
};

/// Runs the script. `source` names the file and `first_line` the line of the text's first
/// character in it, so that errors name the line the administrator wrote:
/// invalid_argument "userconfig.xml line 12: Lua rules: ..." for a Lua error, a rule whose
/// resource or state the rule language refuses, or a label added twice.
Result<LuaRuleSet> parse_lua_rules(std::string_view text, const std::string& source, int first_line = 1);

}  // namespace haven::failover
