// How `haven config check` shows diagnostics: text for people, JSON for `--json`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"

namespace haven::config {

/// "2 errors, 1 warning" (singular and plural as they should be).
std::string summarize(const std::vector<Diagnostic>& diagnostics);

/// One diagnostic per line (Diagnostic::to_string), then the summary line.
void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics);

/// {"errors": N, "warnings": M, "diagnostics": [{"severity","file","line","path","message"}...]}
nlohmann::json diagnostics_to_json(const std::vector<Diagnostic>& diagnostics);

}  // namespace haven::config
