#include "config_check.hpp"

#include <algorithm>

#include "common/process_environment.hpp"
#include "config/user_config_loader.hpp"
#include "failover_rules/module_rules.hpp"

namespace haven::cli {

namespace {

// The failover rules are compiled as the agent will at start (text and Lua, built-in and
// generated ones): a bad rule is reported here, not first at `haven start`.
std::vector<config::Diagnostic> with_rules_checked(config::LoadedUserConfig loaded, const std::string& file) {
  if (!loaded.config) return std::move(loaded.diagnostics);
  auto rules = failover::module_rules(*loaded.config, file);
  if (!rules.ok()) {
    config::Diagnostic d;
    d.severity = config::Severity::error;
    d.file = file;
    d.line = loaded.config->failover ? loaded.config->failover->line : 0;
    d.path = "safe/service/failover";
    d.message = rules.error().message;
    loaded.diagnostics.push_back(std::move(d));
  }
  return std::move(loaded.diagnostics);
}

}  // namespace

std::vector<config::Diagnostic> check_user_config_file(const std::filesystem::path& file) {
  return with_rules_checked(config::load_user_config(file, process_environment()), file.string());
}

std::vector<config::Diagnostic> check_user_config_text(const std::string& text, const std::string& label) {
  return with_rules_checked(config::parse_user_config(text, label, process_environment()), label);
}

int count_errors(const std::vector<config::Diagnostic>& diagnostics) {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                        [](const auto& d) { return d.severity == config::Severity::error; }));
}

}  // namespace haven::cli
