#include "config/not_acted_on.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "config/user_config_places.hpp"

namespace haven::config {
namespace {

const std::vector<std::string_view>& places() {
  static const std::vector<std::string_view> list = {
#include "config/not_acted_on.inc"
  };
  return list;
}

constexpr std::string_view kMessage = "accepted, but this version of haven does not act on it yet";

bool listed(const std::string& path) {
  return std::any_of(places().begin(), places().end(),
                     [&](std::string_view place) { return place_matches(place, path); });
}

bool already_warned(const Diagnostics& diags, const std::string& path) {
  return std::any_of(diags.all().begin(), diags.all().end(), [&](const Diagnostic& d) {
    return d.severity == Severity::warning && d.path == path;
  });
}

void visit(const ConfigNode& node, Diagnostics& diags) {
  if (listed(node.path)) {
    if (!already_warned(diags, node.path))
      diags.warning(node, "<" + node.name + "> is " + std::string(kMessage) + ": it and everything in it have no effect");
    return;
  }
  for (const auto& [attribute, value] : node.attributes) {
    const std::string path = node.path + "@" + attribute;
    if (listed(path) && !already_warned(diags, path))
      diags.warning(node, attribute, attribute + "=\"" + value + "\" is " + std::string(kMessage) + ": it has no effect");
  }
  for (const auto& child : node.children) visit(child, diags);
}

}  // namespace

std::span<const std::string_view> not_acted_on() { return places(); }

void warn_not_acted_on(const ConfigNode& root, Diagnostics& diags) { visit(root, diags); }

}  // namespace haven::config
