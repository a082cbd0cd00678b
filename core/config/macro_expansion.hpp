// `%NAME%` in attribute values: the document's <macro name value/> first, then the
// environment the loader was given.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "haven/config_node.hpp"

namespace haven::config {

using Variables = std::map<std::string, std::string>;

/// Replaces each %NAME% found in `macros`, else in `env`. A %NAME% found in neither stays
/// as written and its NAME is appended to `unknown`. NAME is [A-Za-z_][A-Za-z0-9_]*, so a
/// lone '%' ("50%") is plain text.
std::string expand_variables(std::string_view text, const Variables& macros, const Variables& env,
                             std::vector<std::string>& unknown);

/// Reads the <macro> children of `root` in document order (each value expanded with the
/// macros before it and `env`), then expands every other attribute of the tree in place.
/// Errors: a macro without name or value, a name that is not [A-Za-z_][A-Za-z0-9_]*, a name
/// given twice. Warnings: each unknown %NAME%, naming the attribute. Returns the macros.
Variables expand_macros(ConfigNode& root, const Variables& env, Diagnostics& diags);

}  // namespace haven::config
