#include "daemon/boot_start.hpp"

#include <algorithm>

namespace haven {

DaemonStart classify_daemon_start(const std::optional<std::string>& recorded, const std::string& current) {
  return recorded && *recorded == current ? DaemonStart::daemon_restart : DaemonStart::node_boot;
}

const char* to_string(config::BootMode mode) noexcept {
  switch (mode) {
    case config::BootMode::on: return "on";
    case config::BootMode::off: return "off";
    case config::BootMode::auto_: return "auto";
    case config::BootMode::ignore: return "ignore";
  }
  return "?";
}

BootVerdict boot_verdict(config::BootMode configured, const BootSetting& setting) {
  switch (configured) {
    case config::BootMode::on: return {true, "boot=\"on\""};
    case config::BootMode::off: return {false, "boot=\"off\""};
    case config::BootMode::auto_:
      return setting.was_running ? BootVerdict{true, "boot=\"auto\", it was running when the node went down"}
                                 : BootVerdict{false, "boot=\"auto\", it was not running when the node went down"};
    case config::BootMode::ignore:
      return setting.admin_on ? BootVerdict{true, "boot=\"ignore\", haven boot on"}
                              : BootVerdict{false, "boot=\"ignore\", haven boot off"};
  }
  return {false, "unknown boot mode"};
}

std::vector<PlannedBootStart> plan_boot_starts(DaemonStart why, const std::vector<ModuleBootFacts>& modules) {
  std::vector<PlannedBootStart> plan;
  if (why == DaemonStart::daemon_restart) return plan;
  for (const auto& m : modules) {
    if (m.running_now) continue;
    auto verdict = boot_verdict(m.configured, m.setting);
    if (!verdict.start) continue;
    PlannedBootStart start{m.module, std::max(m.boot_delay, std::chrono::milliseconds(0)), verdict.reason};
    plan.push_back(start);
  }
  std::stable_sort(plan.begin(), plan.end(), [](const PlannedBootStart& a, const PlannedBootStart& b) {
    return a.delay != b.delay ? a.delay < b.delay : a.module < b.module;
  });
  return plan;
}

std::string describe_delay(std::chrono::milliseconds delay) {
  const auto ms = delay.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace haven
