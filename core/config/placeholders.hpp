// Template values the seed product's example ships with (VIRTUAL_TO_BE_DEFINED,
// PROCESS_NAME, c:\ folders): the file loads with them, but the module must not start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/user_config.hpp"
#include "haven/result.hpp"

namespace haven::config {

/// "c:\dir", "C:/dir", "\\server\share": a Windows path left from a template.
bool looks_like_windows_path(std::string_view path);

/// Every placeholder in the (expanded) document, in document order.
std::vector<Placeholder> find_placeholders(const ConfigNode& root);

/// The check before a start: refused (one message listing every placeholder, with file,
/// line and what to put instead) while any is left; OK otherwise.
Status refuse_unfilled_placeholders(const UserConfig& config);

}  // namespace haven::config
