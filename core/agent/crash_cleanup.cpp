#include "agent/crash_cleanup.hpp"

#include "load_filter/load_filter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "agent/module_setup.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "state/agent_state_record.hpp"
#include "common/module_log.hpp"
#include "hooks/hook_files.hpp"
#include "hooks/hook_runner.hpp"
#include "replication_fs/replicated_fs.hpp"
#include "vip/module_vip.hpp"
#include "vip/vip_owner.hpp"

namespace haven {
namespace {

// The state a record names; nullopt for "UNKNOWN" (an unreadable record).
std::optional<ModuleState> state_named(const std::string& name) {
  for (auto s : {ModuleState::stop, ModuleState::wait, ModuleState::alone, ModuleState::prim, ModuleState::second, ModuleState::up})
    if (name == to_string(s)) return s;
  return std::nullopt;
}

}  // namespace

int run_crash_cleanup(const HavenPaths& paths, const std::string& node, const std::string& module) {
  auto log = open_module_logger(paths, module);
  if (!log.ok()) return 2;
  // First the virtual IPs, before the stop hooks as in a clean stop: clients stop reaching
  // this node, and the peer taking over is the only one answering ARP for them.
  int vip_code = 0;
  auto vips = vip::remove_recorded(vip::vip_record_file(paths, module), [&](const std::string& a) {
    (*log)->warn("crash clean-up: removed virtual IP {} of module {}", a, module);
  });
  if (!vips.ok()) {
    (*log)->error("crash clean-up: {}", vips.error().message);
    vip_code = 1;
  }
  // A farm's load filter goes with its addresses (none: nothing to do).
  if (auto filter = load_filter::remove(module); !filter.ok()) {
    (*log)->error("crash clean-up: {}", filter.error().message);
    vip_code = 1;
  }
  const auto record_file = paths.agent_state_file(module);
  auto recorded = load_agent_state(record_file);
  if (!recorded) return vip_code;  // the agent never entered a state: nothing ran
  const std::string state = *recorded;
  std::error_code ec;
  if (state == "STOP") {
    std::filesystem::remove(record_file, ec);
    return vip_code;
  }
  (*log)->error("the agent of module {} died while the module was {}: running the forced stop hooks so that the "
                "application does not run on without haven; start the module again with 'haven start -m {}'",
                module, state, module);

  PluginHost plugins;
  plugins.scan(PluginHost::default_search_path());
  // Only this node's part (no add_peer_link): the clean-up must not wait on name resolution.
  auto setup = load_module_setup(paths, module, node, plugins);
  if (!setup.ok()) {
    (*log)->error("cannot clean up after the agent of module {}: {}", module, setup.error().message);
    return 1;
  }
  int code = vip_code;
  if (setup->settings.hooks_enabled) {
    // The behaviour knows which of its hooks stop what may still run after its agent died.
    auto context = std::make_shared<BasicHostContext>(
        [&log](LogLevel level, std::string_view message) { (*log)->log(to_spdlog(level), "crash clean-up: {}", message); });
    const std::string behaviour_name = behaviour_plugin_name(setup->settings);
    auto behaviour = plugins.make_behaviour(behaviour_name, context);
    std::vector<RunHook> plan;
    if (!behaviour.ok()) {
      (*log)->error("crash clean-up: module {} needs the behaviour plugin {} to know its stop hooks: {}", module, behaviour_name,
                    behaviour.error().message);
      code = 1;
    } else {
      plan = (*behaviour)->crash_cleanup(setup->settings, state_named(state));
    }
    for (const auto& hook : plan) {
      auto file = find_hook(setup->bin_dir, hook.hook, setup->script_extensions);
      if (!file.ok()) {
        (*log)->error("crash clean-up: hook {}: {}", hook.hook, file.error().message);
        code = 1;
        continue;
      }
      if (!file->has_value()) continue;
      HookSpec spec;
      spec.module = module;
      spec.hook = hook.hook;
      spec.file = **file;
      spec.args = hook.args;
      spec.env = setup->hook_env;
      spec.timeout = setup->hook_timeout(hook.phase);
      spec.user_log = module_log_files(paths, module).user_log;
      (*log)->info("crash clean-up: running hook {} {}", spec.file.filename().string(), fmt::join(hook.args, " "));
      auto outcome = HookRunner().run(spec);
      if (!outcome.ok() || outcome->exit_code != 0 || outcome->timed_out) {
        (*log)->error("crash clean-up: hook {} failed: {}", hook.hook,
                      !outcome.ok()          ? outcome.error().message
                      : outcome->timed_out ? "killed after its timeout"
                                           : "exit code " + std::to_string(outcome->exit_code));
        code = 1;
      }
    }
  }
  // The dead agent's file systems answer nothing any more: once the application is stopped,
  // its directories become plain directories again (what was acknowledged is underneath).
  if (setup->rfs)
    for (const auto& dir : setup->rfs->replicated) {
      if (auto st = replication_fs::detach_haven_mount(dir.dir); !st.ok()) {
        (*log)->error("crash clean-up: {}", st.error().message);
        code = 1;
      } else {
        (*log)->info("crash clean-up: replicated directory {} detached", dir.dir);
      }
    }
  std::filesystem::remove(record_file, ec);
  (*log)->info("Local state STOP NotReady (the agent died; clean-up {})", code == 0 ? "done" : "had failures");
  return code;
}

}  // namespace haven
