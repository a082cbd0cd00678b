// haven SDK: a plugin's slice of the module configuration, as plain data.
//
// The host parses userconfig.xml; a plugin receives the element that configures it
// (`<tcp ident="web">...</tcp>` for a TCP checker) as a ConfigNode tree, already
// macro-expanded. Plugins never read configuration files themselves.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace haven {

/// One XML element: its name, its attributes in document order, its children, and where
/// it was read, so that a plugin's error can name the file and line.
struct ConfigNode {
  std::string name;                                             ///< element name, e.g. "tcp"
  std::vector<std::pair<std::string, std::string>> attributes;  ///< name, value (expanded)
  std::vector<ConfigNode> children;                             ///< child elements in order
  std::string text;                                             ///< character data, trimmed
  std::string file;                                             ///< file it was read from
  int line = 0;                                                 ///< 1-based line, 0 if unknown
  std::string path;                                             ///< element path, e.g. "safe/service/check/tcp"

  /// Returns the attribute's value, or nullopt when it is absent.
  std::optional<std::string> attribute(const std::string& key) const {
    for (const auto& [k, v] : attributes)
      if (k == key) return v;
    return std::nullopt;
  }

  /// Returns the first child with this element name, or nullptr.
  const ConfigNode* child(const std::string& child_name) const {
    for (const auto& c : children)
      if (c.name == child_name) return &c;
    return nullptr;
  }
};

}  // namespace haven
