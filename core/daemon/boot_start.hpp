// Which modules havend starts when it starts, and when: the pure decision (no files, no
// clock). `<service boot>` decides, except `ignore` (the default), where the
// administrator's `haven boot on|off` decides; `boot_delay` is how long after havend's start.
// Only a start of havend after the node booted starts modules: a mere restart of havend
// (after a crash, an upgrade) starts nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "state/boot_setting.hpp"

namespace haven {

/// Why havend is starting.
enum class DaemonStart {
  node_boot,       ///< the kernel boot id differs from the one recorded (or none was): a boot
  daemon_restart,  ///< same boot id: havend was restarted, the node was not
};

/// node_boot when `recorded` is absent or differs from `current`.
DaemonStart classify_daemon_start(const std::optional<std::string>& recorded, const std::string& current);

/// "on", "off", "auto" or "ignore", as written in userconfig.xml.
const char* to_string(config::BootMode mode) noexcept;

/// What havend will do with one module at the next node boot, and why.
struct BootVerdict {
  bool start = false;
  /// Says who decided, for logs and `haven boot status`, e.g. `boot="on"` or
  /// `boot="ignore", haven boot off`.
  std::string reason;
};

/// The verdict for a module configured `configured` with this node's `setting`: on starts,
/// off does not, auto starts when the module was running, ignore follows the administrator.
BootVerdict boot_verdict(config::BootMode configured, const BootSetting& setting);

/// What havend knows of one installed module when it starts.
struct ModuleBootFacts {
  std::string module;
  config::BootMode configured = config::BootMode::ignore;
  std::chrono::milliseconds boot_delay{0};
  BootSetting setting;
  bool running_now = false;  ///< its agent already runs (taken over from an earlier havend)
};

/// One module havend starts, `delay` after its own start.
struct PlannedBootStart {
  std::string module;
  std::chrono::milliseconds delay{0};
  std::string reason;  ///< BootVerdict::reason
  bool operator==(const PlannedBootStart&) const = default;
};

/// The modules to start, ordered by delay then name: none after a daemon_restart; at a
/// node_boot those whose verdict is to start and that do not already run.
std::vector<PlannedBootStart> plan_boot_starts(DaemonStart why, const std::vector<ModuleBootFacts>& modules);

/// `boot_delay` as an administrator reads it: "0s", "30s", "1500ms".
std::string describe_delay(std::chrono::milliseconds delay);

}  // namespace haven
