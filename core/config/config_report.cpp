#include "config/config_report.hpp"

#include <algorithm>

namespace haven::config {
namespace {

std::size_t count(const std::vector<Diagnostic>& diagnostics, Severity s) {
  return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                [s](const Diagnostic& d) { return d.severity == s; }));
}

std::string counted(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string summarize(const std::vector<Diagnostic>& diagnostics) {
  return counted(count(diagnostics, Severity::error), "error") + ", " +
         counted(count(diagnostics, Severity::warning), "warning");
}

void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) out << d.to_string() << '\n';
  out << summarize(diagnostics) << '\n';
}

nlohmann::json diagnostics_to_json(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : diagnostics)
    list.push_back({{"severity", to_string(d.severity)},
                    {"file", d.file},
                    {"line", d.line},
                    {"path", d.path},
                    {"message", d.message}});
  return {{"errors", count(diagnostics, Severity::error)},
          {"warnings", count(diagnostics, Severity::warning)},
          {"diagnostics", std::move(list)}};
}

}  // namespace haven::config
