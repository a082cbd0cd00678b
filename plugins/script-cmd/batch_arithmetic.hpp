// `set /a`: 32-bit integer expressions with cmd's operators and assignments. Pure: variables
// are read and written through callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "batch_expansion.hpp"
#include "haven/result.hpp"

namespace haven::cmd {

using VariableAssign = std::function<void(std::string_view name, std::string value)>;

/// Evaluates `expression` (quotes already allowed anywhere: they are ignored) and returns the
/// value of its last comma-separated part. Operators, loosest first: `,`; `= += -= *= /= %=
/// &= ^= |= <<= >>=`; `|`; `^`; `&`; `<< >>`; `+ -`; `* / %`; unary `! ~ - +`; parentheses.
/// Numbers are decimal, 0x hex or 0 octal; a variable that is not a number counts as 0.
/// Errors carry cmd's own messages ("Divide by zero error.", "Missing operand.").
[[nodiscard]] Result<std::int32_t> evaluate_arithmetic(std::string_view expression, const VariableLookup& get,
                                                     const VariableAssign& set);

}  // namespace haven::cmd
