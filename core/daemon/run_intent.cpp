#include "daemon/run_intent.hpp"

#include <optional>

#include "control/command_registry.hpp"
#include "state/boot_setting.hpp"

namespace haven {

void record_run_intent(const HavenPaths& paths, const ControlRequest& request, const ControlResponse& answer,
                       spdlog::logger& log) {
  if (!answer.ok || request.module.empty()) return;
  const auto* spec = find_command(request.command);
  if (spec == nullptr) return;
  std::optional<bool> running;
  if (spec->starts_agent && spec->behaviour) running = true;
  if (spec->stops) running = false;
  if (!running) return;
  auto st = update_boot_setting(boot_setting_file(paths, request.module),
                                [&](BootSetting& s) { s.was_running = *running; });
  if (!st.ok())
    log.warn("module {}: cannot record that it is {} for its start at boot (boot=\"auto\"): {}", request.module,
             *running ? "running" : "stopped", st.error().message);
}

}  // namespace haven
