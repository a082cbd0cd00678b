#include "agent/crash_cleanup.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "agent/module_setup.hpp"
#include "state/agent_state_record.hpp"
#include "common/module_log.hpp"
#include "hooks/hook_files.hpp"
#include "hooks/hook_runner.hpp"
#include "replication_fs/replicated_fs.hpp"
#include "vip/module_vip.hpp"
#include "vip/vip_owner.hpp"

namespace haven {

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
  auto setup = load_module_setup(paths, module, node, plugins);
  if (!setup.ok()) {
    (*log)->error("cannot clean up after the agent of module {}: {}", module, setup.error().message);
    return 1;
  }
  int code = vip_code;
  if (setup->settings.hooks_enabled) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> hooks{
        {"stop_sec", {"force", state, "STOP", "stop"}},   {"stop_prim", {"force", state, "STOP", "stop"}},
        {"stop_second", {"force", state, "STOP", "stop"}}, {"stop_both", {"force", state, "STOP", "stop"}},
        {"poststop", {state, "STOP", "stop"}}};
    for (const auto& [hook, args] : hooks) {
      auto file = find_hook(setup->bin_dir, hook, setup->script_extensions);
      if (!file.ok()) {
        (*log)->error("crash clean-up: hook {}: {}", hook, file.error().message);
        code = 1;
        continue;
      }
      if (!file->has_value()) continue;
      HookSpec spec;
      spec.module = module;
      spec.hook = hook;
      spec.file = **file;
      spec.args = args;
      spec.env = setup->hook_env;
      spec.timeout = setup->force_stop_timeout;
      spec.user_log = module_log_files(paths, module).user_log;
      (*log)->info("crash clean-up: running hook {} {}", spec.file.filename().string(), fmt::join(args, " "));
      auto outcome = HookRunner().run(spec);
      if (!outcome.ok() || outcome->exit_code != 0 || outcome->timed_out) {
        (*log)->error("crash clean-up: hook {} failed: {}", hook,
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
