// haven.printi / haven.printe: whole lines appended to the module log.
#pragma once

#include <string>
#include <string_view>

namespace haven::lua {

/// `2026-11-25 17:04:12.345 I <module>: message`, with the level letter 'I' or 'E' and
/// any newline in the message turned into a space, so one call is one line.
std::string module_log_line(char level, std::string_view module, std::string_view message);

/// Appends the line with one O_APPEND write to the file named by $HAVEN_MODULE_LOG, or
/// writes it to stderr (which the hook runner copies to the user log) when that is unset
/// or cannot be opened, saying why.
void write_module_log(char level, std::string_view module, std::string_view message);

}  // namespace haven::lua
