// Small lexical rules of the batch language shared by the parser and the interpreter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace haven::cmd {

/// cmd's token delimiters: space, tab, comma, semicolon, equals (and the rarer VT, FF).
constexpr bool is_delimiter(char c) {
  return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '=' || c == '\v' || c == '\f';
}
constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

/// Removes one pair of surrounding quotes, as %~1 does: a leading quote, and a trailing one
/// when present.
std::string strip_quotes(std::string_view s);

/// Splits arguments the way cmd hands them to a batch file or a `call :label` (%1, %2...):
/// separated by delimiters outside quotes, quotes kept in the argument.
std::vector<std::string> split_batch_arguments(std::string_view text);

/// Splits a command line into a Linux argv: blanks separate outside quotes, quotes are
/// removed, and "" inside quotes is one literal quote. Backslashes are ordinary characters.
std::vector<std::string> split_program_arguments(std::string_view text);

/// Quotes an argument for %* and %1 when it holds a delimiter, as a Windows command line would.
std::string quote_batch_argument(const std::string& arg);

/// Parses an integer the way `set /a` and `if ... EQU` read numbers: decimal, 0x hex, 0
/// octal, optional sign. False when the whole text is not such a number.
bool parse_batch_integer(std::string_view text, long long& out);

}  // namespace haven::cmd
