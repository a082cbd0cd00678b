#include "state/boot_setting.hpp"

#include <mutex>
#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"

namespace haven {
namespace {

// Bumped when the file's meaning changes; an older haven refuses a newer file.
constexpr int kFormatVersion = 1;

Error damaged(const std::filesystem::path& file, const std::string& what) {
  return fail(Errc::invalid_argument, "boot setting file " + file.string() + " is not valid: " + what +
                                          "; fix or remove it, then set it again with haven boot on|off");
}

// One read-modify-write at a time: "haven boot on" and a start command may meet.
std::mutex& update_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

std::filesystem::path boot_setting_file(const HavenPaths& paths, const std::string& module) {
  return paths.state_dir() / "boot" / (module + ".json");
}

std::filesystem::path last_boot_id_file(const HavenPaths& paths) { return paths.state_dir() / "boot" / "last_boot_id"; }

Result<BootSetting> load_boot_setting(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec) return BootSetting{};
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(Errc::parse_error, "boot setting file " + file.string() + " is not valid JSON (byte " +
                                       std::to_string(e.byte) + "); fix or remove it, then set it again with "
                                       "haven boot on|off");
  }
  if (!doc.is_object()) return damaged(file, "expected a JSON object, found " + std::string(doc.type_name()));
  auto version = doc.find("format");
  if (version == doc.end() || !version->is_number_integer() || version->get<std::int64_t>() != kFormatVersion)
    return damaged(file, "\"format\" must be " + std::to_string(kFormatVersion));
  BootSetting setting;
  auto admin = doc.find("admin");
  if (admin == doc.end() || !admin->is_string() || (*admin != "on" && *admin != "off"))
    return damaged(file, "\"admin\" must be \"on\" or \"off\"");
  setting.admin_on = *admin == "on";
  auto running = doc.find("was_running");
  if (running == doc.end() || !running->is_boolean()) return damaged(file, "\"was_running\" must be true or false");
  setting.was_running = running->get<bool>();
  return setting;
}

Status save_boot_setting(const std::filesystem::path& file, const BootSetting& setting) {
  nlohmann::json doc{{"format", kFormatVersion},
                     {"admin", setting.admin_on ? "on" : "off"},
                     {"was_running", setting.was_running}};
  auto st = write_file_atomically(file, doc.dump(2) + "\n", 0644);
  if (!st.ok())
    return fail(st.error().code, "cannot save the boot setting to " + file.string() + ": " + st.error().message);
  return ok_status();
}

Status update_boot_setting(const std::filesystem::path& file, const std::function<void(BootSetting&)>& change) {
  std::lock_guard lock(update_mutex());
  auto setting = load_boot_setting(file);
  if (!setting.ok()) return std::move(setting).error();
  BootSetting changed = *setting;
  change(changed);
  if (changed == *setting && std::filesystem::exists(file)) return ok_status();
  return save_boot_setting(file, changed);
}

Result<std::optional<std::string>> load_last_boot_id(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec) return std::optional<std::string>();
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();
  std::string id = *text;
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' ')) id.pop_back();
  if (id.empty()) return std::optional<std::string>();
  return std::optional<std::string>(id);
}

Status save_last_boot_id(const std::filesystem::path& file, const std::string& boot_id) {
  auto st = write_file_atomically(file, boot_id + "\n", 0644);
  if (!st.ok())
    return fail(st.error().code, "cannot record the boot id in " + file.string() + ": " + st.error().message);
  return ok_status();
}

}  // namespace haven
