#include "config/diagnostic.hpp"

#include <algorithm>

namespace haven::config {

const char* to_string(Severity severity) noexcept {
  return severity == Severity::error ? "error" : "warning";
}

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  out += config::to_string(severity);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

void Diagnostics::add(Severity severity, int line, std::string path, std::string message) {
  items_.push_back(Diagnostic{severity, file_, line, std::move(path), std::move(message)});
}

void Diagnostics::error(const ConfigNode& node, std::string message) {
  add(Severity::error, node.line, node.path, std::move(message));
}

void Diagnostics::warning(const ConfigNode& node, std::string message) {
  add(Severity::warning, node.line, node.path, std::move(message));
}

void Diagnostics::error(const ConfigNode& node, std::string_view attribute, std::string message) {
  add(Severity::error, node.line, node.path + "@" + std::string(attribute), std::move(message));
}

void Diagnostics::warning(const ConfigNode& node, std::string_view attribute, std::string message) {
  add(Severity::warning, node.line, node.path + "@" + std::string(attribute), std::move(message));
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

}  // namespace haven::config
