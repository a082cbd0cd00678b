// What haven loads from userconfig.xml but does not act on: the places whose model fields no
// code outside core/config reads. The list is derived from the code
// (tests/unit/config/consumption) into not_acted_on.inc, and a test fails when it disagrees
// with the code, so the configuration report stays true as the code changes.
#pragma once

#include <span>
#include <string_view>

#include "config/diagnostic.hpp"
#include "haven/config_node.hpp"

namespace haven::config {

/// The places ("safe/service@boot", "safe/service/farm", "*" for any element name) that are
/// loaded but not acted on, as generated into not_acted_on.inc.
std::span<const std::string_view> not_acted_on();

/// One warning per listed element or attribute present in the document, with its line:
/// "accepted, but this version of haven does not act on it yet". An element's warning covers
/// everything inside it; a place that already has a warning (a Windows-only attribute, an
/// element of the other mode) gets no second one.
void warn_not_acted_on(const ConfigNode& root, Diagnostics& diags);

}  // namespace haven::config
