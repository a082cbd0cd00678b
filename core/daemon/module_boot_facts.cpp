#include "daemon/module_boot_facts.hpp"

#include "common/process_environment.hpp"
#include "config/user_config_loader.hpp"

namespace haven {

Result<ModuleBootFacts> read_module_boot_facts(const HavenPaths& paths, const std::string& module) {
  const auto file = paths.module_dir(module) / "conf" / "userconfig.xml";
  auto loaded = config::load_user_config(file, process_environment());
  if (loaded.has_errors() || !loaded.config) {
    std::string errors;
    for (const auto& d : loaded.diagnostics)
      if (d.severity == config::Severity::error) errors += (errors.empty() ? "" : "; ") + d.to_string();
    return fail(Errc::invalid_argument, "module " + module + ": its configuration has errors, so its boot mode is "
                                        "unknown: " + errors + " (haven config check -m " + module + ")");
  }
  auto setting = load_boot_setting(boot_setting_file(paths, module));
  if (!setting.ok()) return fail(setting.error().code, "module " + module + ": " + setting.error().message);
  ModuleBootFacts facts;
  facts.module = module;
  facts.configured = loaded.config->service.boot;
  facts.boot_delay = loaded.config->service.boot_delay;
  facts.setting = *setting;
  return facts;
}

}  // namespace haven
