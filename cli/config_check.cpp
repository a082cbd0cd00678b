#include "config_check.hpp"

#include <algorithm>

#include "checks/checker_plan.hpp"
#include "common/process_environment.hpp"
#include "config/cluster_config.hpp"
#include "config/cluster_cross_check.hpp"
#include "config/user_config_loader.hpp"
#include "failover_rules/module_rules.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/checker_catalog.hpp"
#include "plugin_host/plugin_host.hpp"

namespace haven::cli {

namespace {

// Each checker element is validated by the plugin that owns it, found among the plugins this
// node would load; its findings (with their file and line) join the loader's. Then the
// failover rules are compiled as the agent will at start (text and Lua, built-in and
// generated ones): a bad rule is reported here, not first at `haven start`.
std::vector<config::Diagnostic> with_checkers_and_rules_checked(config::LoadedUserConfig loaded,
                                                                const std::string& file,
                                                                const std::filesystem::path& cluster_file) {
  if (!loaded.config) return std::move(loaded.diagnostics);
  std::error_code ec;
  if (!cluster_file.empty() && std::filesystem::exists(cluster_file, ec)) {
    auto cluster = config::load_cluster_config(cluster_file, process_environment());
    if (cluster.config)
      for (auto& d : config::check_against_cluster(*loaded.config, *cluster.config, file, cluster_file.string()))
        loaded.diagnostics.push_back(std::move(d));
  }
  PluginHost plugins;
  plugins.scan(PluginHost::default_search_path());
  const auto catalog = load_checker_catalog(plugins, std::make_shared<BasicHostContext>());
  auto plan = checks::plan_checkers(*loaded.config, catalog);
  for (auto& d : plan.diagnostics) loaded.diagnostics.push_back(std::move(d));
  auto rules = failover::module_rules(*loaded.config, file, plan.rule_sources());
  if (!rules.ok()) {
    config::Diagnostic d;
    d.severity = config::Severity::error;
    d.file = file;
    d.line = loaded.config->failover ? loaded.config->failover->line : 0;
    d.path = "safe/service/failover";
    d.message = rules.error().message;
    loaded.diagnostics.push_back(std::move(d));
  }
  std::stable_sort(loaded.diagnostics.begin(), loaded.diagnostics.end(),
                   [](const config::Diagnostic& a, const config::Diagnostic& b) { return a.line < b.line; });
  return std::move(loaded.diagnostics);
}

}  // namespace

std::vector<config::Diagnostic> check_user_config_file(const std::filesystem::path& file,
                                                       const std::filesystem::path& cluster_file) {
  return with_checkers_and_rules_checked(config::load_user_config(file, process_environment()), file.string(),
                                         cluster_file);
}

std::vector<config::Diagnostic> check_user_config_text(const std::string& text, const std::string& label,
                                                       const std::filesystem::path& cluster_file) {
  return with_checkers_and_rules_checked(config::parse_user_config(text, label, process_environment()), label,
                                         cluster_file);
}

int count_errors(const std::vector<config::Diagnostic>& diagnostics) {
  return static_cast<int>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                        [](const auto& d) { return d.severity == config::Severity::error; }));
}

}  // namespace haven::cli
