// haven SDK: a plugin's slice of the module configuration, as plain data, and what a plugin
// says about it.
//
// The host parses userconfig.xml; a plugin receives the element that configures it
// (`<tcp ident="web">...</tcp>` for a TCP checker) as a ConfigNode tree, already
// macro-expanded. Plugins never read configuration files themselves. A plugin that finds
// something wrong in its element answers with ConfigDiagnostic values, which carry the file,
// line and element path, so that `haven config check` prints them exactly like the host's own.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
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

  /// "FILE:LINE <PATH>", for messages: the parts that are unknown are left out ("configuration"
  /// stands for an unknown file, the element name for an unknown path).
  std::string place() const {
    std::string out = file.empty() ? std::string("configuration") : file;
    if (line > 0) out += ":" + std::to_string(line);
    return out + " <" + (path.empty() ? name : path) + ">";
  }
};

/// How serious a finding is: an error refuses the module (`haven config check` exits 1,
/// `haven module install` and `haven start` refuse it); a warning is only shown.
enum class ConfigSeverity { warning, error };

/// One finding about a configuration element: where it is (file, line, element path with
/// "@attr" when it is about one attribute) and a message that says what is wrong and what
/// was expected. The host prints it as `FILE:LINE: error: PATH: MESSAGE`.
struct ConfigDiagnostic {
  ConfigSeverity severity = ConfigSeverity::error;
  std::string file;     ///< the file the element was read from
  int line = 0;         ///< 1-based; 0 when unknown
  std::string path;     ///< "safe/service/check/tcp/to@port"
  std::string message;  ///< "port=\"0\" is not a TCP port; expected 1 to 65535"

  /// A finding about `node` as a whole, or about its `attribute` when one is named.
  static ConfigDiagnostic at(ConfigSeverity severity, const ConfigNode& node, std::string message,
                             std::string_view attribute = {}) {
    std::string path = node.path.empty() ? node.name : node.path;
    if (!attribute.empty()) path += "@" + std::string(attribute);
    return ConfigDiagnostic{severity, node.file, node.line, std::move(path), std::move(message)};
  }
  /// Shorthands for at(): an error, a warning.
  static ConfigDiagnostic error(const ConfigNode& node, std::string message, std::string_view attribute = {}) {
    return at(ConfigSeverity::error, node, std::move(message), attribute);
  }
  static ConfigDiagnostic warning(const ConfigNode& node, std::string message, std::string_view attribute = {}) {
    return at(ConfigSeverity::warning, node, std::move(message), attribute);
  }

  /// "FILE:LINE <PATH>" of the element the finding is about (without "@attr"), for a message
  /// that names the place itself: `"haven.checker.tcp: " + d.element_place() + " " + d.message`.
  std::string element_place() const {
    std::string out = file.empty() ? std::string("configuration") : file;
    if (line > 0) out += ":" + std::to_string(line);
    return out + " <" + path.substr(0, path.find('@')) + ">";
  }

  /// `FILE:LINE: error: PATH: MESSAGE`, as the host prints it.
  std::string to_string() const {
    std::string out = file.empty() ? std::string("configuration") : file;
    if (line > 0) out += ":" + std::to_string(line);
    out += severity == ConfigSeverity::error ? ": error: " : ": warning: ";
    if (!path.empty()) out += path + ": ";
    return out + message;
  }
};

/// Appends a warning to `out` for each attribute of `node` that is in neither `known` nor
/// `also_known`, and for each child element not in `known_children`: what a plugin reports
/// about what it does not read, as the host does for its own elements.
inline void warn_unknown(const ConfigNode& node, std::initializer_list<std::string_view> known,
                         const std::vector<std::string_view>& also_known,
                         std::initializer_list<std::string_view> known_children, std::vector<ConfigDiagnostic>& out) {
  auto listed = [](const auto& names, std::string_view name) {
    for (std::string_view n : names)
      if (n == name) return true;
    return false;
  };
  for (const auto& [key, value] : node.attributes)
    if (!listed(known, key) && !listed(also_known, key))
      out.push_back(ConfigDiagnostic::warning(node, "unknown attribute of <" + node.name + ">, ignored (value \"" +
                                                        value + "\")",
                                              key));
  for (const auto& child : node.children)
    if (!listed(known_children, child.name))
      out.push_back(ConfigDiagnostic::warning(child, "unknown element <" + child.name + "> inside <" + node.name +
                                                         ">, ignored"));
}

}  // namespace haven
