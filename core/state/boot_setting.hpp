// What this node keeps for starting its modules at boot: per module, the administrator's
// `haven boot on|off` and whether the last start or stop command left the module running;
// for the node, the kernel boot id under which havend last started (a different one at the
// next start means the node rebooted).
//
// Files under HavenPaths::state_dir()/boot/, written atomically. A file that cannot be read
// back is an error, never a default: guessing could start (or not start) an application
// against the administrator's will.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common/haven_paths.hpp"
#include "haven/result.hpp"

namespace haven {

/// What this node remembers of one module for its start at boot.
struct BootSetting {
  /// `haven boot on|off -m M`: start at boot when `<service boot="ignore">` (the default).
  bool admin_on = false;
  /// The last start command (start, prim, second, primforce) left the module running and no
  /// stop command came after it; read by `<service boot="auto">`.
  bool was_running = false;
  bool operator==(const BootSetting&) const = default;
};

/// state_dir()/boot/<module>.json.
std::filesystem::path boot_setting_file(const HavenPaths& paths, const std::string& module);

/// state_dir()/boot/last_boot_id: the boot id havend last started under.
std::filesystem::path last_boot_id_file(const HavenPaths& paths);

/// Reads a module's setting; a missing file gives the defaults (admin off, not running).
/// parse_error or invalid_argument naming the file and what is wrong when it is damaged;
/// io_error when it cannot be read.
[[nodiscard]] Result<BootSetting> load_boot_setting(const std::filesystem::path& file);

/// Writes `setting` as JSON, atomically, creating missing folders. io_error naming the file.
[[nodiscard]] Status save_boot_setting(const std::filesystem::path& file, const BootSetting& setting);

/// Loads, applies `change`, saves: one read-modify-write at a time in this process (havend
/// serves requests on several threads). A damaged file is reported, not overwritten.
[[nodiscard]] Status update_boot_setting(const std::filesystem::path& file,
                                         const std::function<void(BootSetting&)>& change);

/// The boot id recorded by save_last_boot_id; nullopt when none was ever recorded.
/// io_error naming the file when it exists but cannot be read.
[[nodiscard]] Result<std::optional<std::string>> load_last_boot_id(const std::filesystem::path& file);

/// Records `boot_id` (one line), atomically.
[[nodiscard]] Status save_last_boot_id(const std::filesystem::path& file, const std::string& boot_id);

}  // namespace haven
