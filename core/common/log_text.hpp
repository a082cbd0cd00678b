// Strings from outside (other nodes, clients of the control sockets) as they may appear in a
// log line: a newline or an escape sequence in a name must not forge a line or recolour a
// terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace haven {

/// `text` with every byte that is not printable ASCII (and the backslash) shown as \xNN, cut
/// to `max` bytes of input with "..." after, for log lines and messages.
std::string log_text(std::string_view text, std::size_t max = 256);

}  // namespace haven
