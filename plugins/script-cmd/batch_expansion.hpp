// Variable expansion: %VAR% and %1 when a line is read, !VAR! when a command runs (delayed
// expansion), %%X in a for body each round. Pure: variables come from a callback.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace haven::cmd {

/// Looks a variable up by name (case-insensitive is the caller's business); nullopt when
/// it is not defined.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct ExpansionScope {
  VariableLookup variable;
  std::vector<std::string> args;  ///< %0, %1, ... after any shift; quotes as passed
  std::string all_args;           ///< %*: the arguments as passed, shift does not change it
  std::string cwd;                ///< for %~f1 and friends
  std::string script_path;        ///< in a `call :label`, %~dp0 still names the file (as in cmd)
};

/// Percent expansion of one line as cmd does it in a batch file: %% is %, %0..%9 and %*
/// the arguments, %~1 without quotes, %~dp0 path parts, %VAR%, %VAR:~s,l% and %VAR:a=b%.
/// An undefined variable expands to nothing; a lone % is dropped.
std::string expand_percent(std::string_view line, const ExpansionScope& scope);

/// Delayed expansion of !VAR! (with the same :~ and := forms); ^! is a literal '!'.
std::string expand_delayed(std::string_view text, const VariableLookup& variable);

/// Replaces for variable %X (and %~X, %~nxX ...) by `value` in a for body.
struct ForValue {
  char variable = 0;
  std::string value;
};

/// Replaces several for variables (for /f tokens) in one pass, so that one value holding
/// "%b" is not taken for the next variable.
std::string substitute_for_variables(std::string_view text, const std::vector<ForValue>& values,
                                     const std::string& cwd);

std::string substitute_for_variable(std::string_view text, char variable, std::string_view value,
                                    const std::string& cwd);

/// %~ modifiers (f d p n x s z) applied to a value: "dp" on "/a/b/c.cmd" gives "/a/b/".
std::string apply_path_modifiers(std::string_view modifiers, std::string_view value, const std::string& cwd);

}  // namespace haven::cmd
