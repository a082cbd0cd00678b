#include "agent/module_setup.hpp"

#include <algorithm>

#include "common/process_environment.hpp"
#include "config/placeholders.hpp"
#include "config/user_config_loader.hpp"
#include "hooks/hook_environment.hpp"
#include "plugin_host/basic_host_context.hpp"

namespace haven {
namespace {

// The extensions every loaded script engine claims, so hooks in any language are found.
std::vector<std::string> script_extensions(PluginHost& plugins) {
  std::vector<std::string> out;
  for (const auto& info : plugins.plugins()) {
    if (info.kind != kKindScriptEngine) continue;
    auto engine = plugins.make_script_engine(info.name, std::make_shared<BasicHostContext>());
    if (!engine.ok()) continue;
    for (const auto& ext : (*engine)->extensions())
      if (std::find(out.begin(), out.end(), ext) == out.end()) out.push_back(ext);
  }
  return out;
}

}  // namespace

Result<ModuleSetup> load_module_setup(const HavenPaths& paths, const std::string& module, const std::string& node,
                                      PluginHost& plugins) {
  auto dir = paths.module_dir(module);
  auto file = dir / "conf" / "userconfig.xml";
  auto loaded = config::load_user_config(file, process_environment());
  ModuleSetup setup;
  std::string errors;
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == config::Severity::error) errors += "\n  " + d.to_string();
    else setup.warnings.push_back(d.to_string());
  }
  if (loaded.has_errors() || !loaded.config)
    return fail(Errc::invalid_argument, "module " + module + " cannot start: its configuration has errors:" + errors);
  const auto& cfg = *loaded.config;
  if (auto st = config::refuse_unfilled_placeholders(cfg); !st.ok())
    return fail(Errc::refused, "module " + module + " cannot start: " + st.error().message);

  setup.settings.module = module;
  setup.settings.mode = config::to_string(cfg.service.mode);
  setup.settings.local_node = node;
  setup.settings.defaultprim = cfg.service.defaultprim;
  setup.settings.failover = cfg.service.failover;
  setup.settings.maxloop = cfg.service.maxloop;
  setup.settings.loop_interval = cfg.service.loop_interval;
  setup.settings.hooks_enabled = cfg.user.has_value();
  setup.bin_dir = dir / "bin";

  HookEnvironmentInputs inputs;
  inputs.module = module;
  if (cfg.user) {
    setup.nice_stop_timeout = cfg.user->nicestoptimeout;
    setup.force_stop_timeout = cfg.user->forcestoptimeout;
    for (const auto& v : cfg.user->vars) inputs.user_vars.emplace_back(v.name, v.value);
  }
  setup.hook_env = hook_environment(paths, inputs, &setup.warnings);
  if (std::error_code ec; !std::filesystem::create_directories(paths.module_var_dir(module), ec) && ec)
    return fail(Errc::io_error, "module " + module + " cannot start: cannot create its folder " +
                                    paths.module_var_dir(module).string() + " ($SAFEUSERVAR): " + ec.message());
  setup.script_extensions = script_extensions(plugins);
  return setup;
}

}  // namespace haven
