#include "vip/module_vip.hpp"

#include "common/process_environment.hpp"
#include "config/user_config_loader.hpp"

namespace haven::vip {

std::filesystem::path vip_record_file(const HavenPaths& paths, const std::string& module) {
  return paths.run_dir() / "vips" / (module + ".json");
}

Result<std::optional<config::VipConfig>> load_module_vip(const HavenPaths& paths, const std::string& module) {
  const auto file = paths.module_dir(module) / "conf" / "userconfig.xml";
  auto loaded = config::load_user_config(file, process_environment());
  if (loaded.has_errors() || !loaded.config) {
    std::string errors;
    for (const auto& d : loaded.diagnostics)
      if (d.severity == config::Severity::error) errors += "\n  " + d.to_string();
    return fail(Errc::invalid_argument, "cannot read the <vip> of module " + module + " from " + file.string() + ":" + errors);
  }
  return loaded.config->vip;
}

}  // namespace haven::vip
