// `%NAME%` in attribute values: the document's <macro name value/> first, then the
// environment the loader was given.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "haven/config_node.hpp"

namespace haven::config {

using Variables = std::map<std::string, std::string>;

/// No attribute value grows past this through %NAME% expansion...
inline constexpr std::size_t kMaxExpandedValue = 64 * 1024;
/// ...and the whole file grows by at most this much.
inline constexpr std::size_t kMaxExpandedDocument = 1024 * 1024;

/// Replaces each %NAME% found in `macros`, else in `env`. A %NAME% found in neither stays
/// as written and its NAME is appended to `unknown`. NAME is [A-Za-z_][A-Za-z0-9_]*, so a
/// lone '%' ("50%") is plain text. A result longer than kMaxExpandedValue is not made: `text`
/// comes back as written.
std::string expand_variables(std::string_view text, const Variables& macros, const Variables& env,
                             std::vector<std::string>& unknown);

/// Reads the <macro> children of `root` in document order (each value expanded with the
/// macros before it and `env`), then expands every other attribute of the tree in place.
/// Errors: a macro without name or value, a name that is not [A-Za-z_][A-Za-z0-9_]*, a name
/// given twice, a macro or attribute whose expansion would pass kMaxExpandedValue or the
/// document's kMaxExpandedDocument (naming the macro that did it; the value stays as
/// written). Warnings: each unknown %NAME%, naming the attribute. Returns the macros.
Variables expand_macros(ConfigNode& root, const Variables& env, Diagnostics& diags);

}  // namespace haven::config
