#include "config_check.hpp"

#include <algorithm>

#include "common/process_environment.hpp"
#include "config/user_config_loader.hpp"

namespace haven::cli {

std::vector<config::Diagnostic> check_user_config_file(const std::filesystem::path& file) {
  return config::load_user_config(file, process_environment()).diagnostics;
}

std::vector<config::Diagnostic> check_user_config_text(const std::string& text, const std::string& label) {
  return config::parse_user_config(text, label, process_environment()).diagnostics;
}

int count_errors(const std::vector<config::Diagnostic>& diagnostics) {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                        [](const auto& d) { return d.severity == config::Severity::error; }));
}

}  // namespace haven::cli
