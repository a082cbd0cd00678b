// Reading an XML configuration document into a haven::ConfigNode tree that knows, for
// every element, its file, line and element path.
#pragma once

#include <optional>
#include <string_view>

#include "config/diagnostic.hpp"
#include "haven/config_node.hpp"

namespace haven::config {

/// Parses `xml` with Boost.PropertyTree. Attributes are kept as written (macros are
/// expanded later). Reports into `diags`: one warning per line using typographic quotes as
/// delimiters, XML syntax errors with their line, end tags that do not match, an attribute
/// given twice, and a root element other than `root_name`. Returns nullopt when the
/// document cannot be used at all (syntax error, wrong or missing root).
std::optional<ConfigNode> read_config_tree(std::string_view xml, std::string_view root_name,
                                           Diagnostics& diags);

}  // namespace haven::config
