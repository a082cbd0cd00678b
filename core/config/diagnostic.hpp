// What a configuration loader says about a file: warnings and errors, each naming the
// file, the line, the element path and what was expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "haven/config_node.hpp"

namespace haven::config {

enum class Severity { warning, error };

/// "warning" or "error".
const char* to_string(Severity severity) noexcept;

/// One finding about a configuration file.
struct Diagnostic {
  Severity severity = Severity::error;
  std::string file;     ///< the file as the administrator named it
  int line = 0;         ///< 1-based; 0 when unknown
  std::string path;     ///< element path, "safe/service/heart", with "@attr" for an attribute
  std::string message;  ///< the bad value and what is expected

  /// `FILE:LINE: error: safe/service/heart@pulse: MESSAGE`; the line and the path are left
  /// out when unknown.
  std::string to_string() const;
};

/// Collects diagnostics while a file is read. Not thread-safe; one per load.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  void add(Severity severity, int line, std::string path, std::string message);
  /// About an element as a whole.
  void error(const ConfigNode& node, std::string message);
  void warning(const ConfigNode& node, std::string message);
  /// About one attribute of an element; the path gets "@attr".
  void error(const ConfigNode& node, std::string_view attribute, std::string message);
  void warning(const ConfigNode& node, std::string_view attribute, std::string message);

  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  std::vector<Diagnostic> take() { return std::move(items_); }

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

}  // namespace haven::config
