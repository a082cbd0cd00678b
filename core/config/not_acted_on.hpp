// The one list of what haven loads but does not act on yet. Later work shrinks it.
#pragma once

#include <span>
#include <string_view>

#include "config/diagnostic.hpp"
#include "haven/config_node.hpp"

namespace haven::config {

struct NotActedOn {
  std::string_view path;          ///< "safe/service/vip" (element) or "safe/service@boot" (attribute)
  std::string_view acted_values;  ///< for an attribute: "|"-separated values that ARE acted on
};

/// The current list.
std::span<const NotActedOn> not_acted_on();

/// One warning per element or attribute of the list present in the document:
/// "accepted, but this version of haven does not act on it yet".
void warn_not_acted_on(const ConfigNode& root, Diagnostics& diags);

}  // namespace haven::config
