// The batch statement parser: percent-expanded text in, a syntax tree out. Pure: no I/O,
// no environment, safe on any input (it is fuzzed).
#pragma once

#include <string>
#include <string_view>

#include "batch_syntax.hpp"
#include "haven/result.hpp"

namespace haven::cmd {

/// What parse_statement found. `incomplete` means the text ends inside a parenthesised block
/// or after a `^` continuation: cmd then reads (and expands) the next line, appends it after
/// a newline and parses again. `incomplete_reason` says what is open, for the error at end
/// of file.
struct ParsedStatement {
  NodePtr node;
  bool incomplete = false;
  std::string incomplete_reason;
};

/// Parses one statement: one line, or several joined with '\n' while a block is open.
/// Errors: Errc::parse_error for a syntax error ("if without a command"), Errc::unsupported
/// for a construct haven does not interpret (a pipe, `for /f`); the message names the
/// construct but not the file or line, which the caller adds.
[[nodiscard]] Result<ParsedStatement> parse_statement(std::string_view text);

}  // namespace haven::cmd
