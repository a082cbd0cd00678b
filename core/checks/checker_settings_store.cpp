#include "checks/checker_settings_store.hpp"

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"

namespace haven::checks {
namespace {

Result<bool> on_off(const nlohmann::json& j, const char* key, const std::filesystem::path& file) {
  if (!j.contains(key)) return true;
  const auto& v = j[key];
  if (v.is_string() && (v == "on" || v == "off")) return v == "on";
  // A nested value is named by its type: dumping it would recurse as deep as it is nested.
  const std::string found = v.is_structured() ? std::string("an ") + v.type_name() : v.dump();
  return fail(Errc::invalid_argument, file.string() + ": \"" + key + "\" is " + found +
                                          "; expected \"on\" or \"off\" (delete the file to turn checkers and errd "
                                          "back on)");
}

}  // namespace

std::filesystem::path checker_settings_file(const std::filesystem::path& module_var_dir) {
  return module_var_dir / "checker_settings.json";
}

Result<CheckerSettings> load_checker_settings(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) {
    if (text.error().code == Errc::not_found) return CheckerSettings{};
    return text.error();
  }
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(Errc::invalid_argument, file.string() + " is not a JSON object; expected {\"checker\": \"on|off\", "
                                                        "\"errd\": \"on|off\"} as haven writes it");
  auto checkers = on_off(j, "checker", file);
  if (!checkers) return checkers.error();
  auto errd = on_off(j, "errd", file);
  if (!errd) return errd.error();
  return CheckerSettings{*checkers, *errd};
}

Status save_checker_settings(const std::filesystem::path& file, const CheckerSettings& settings) {
  const nlohmann::json j{{"checker", settings.checkers_on ? "on" : "off"}, {"errd", settings.errd_on ? "on" : "off"}};
  return write_file_atomically(file, j.dump(2) + "\n");
}

}  // namespace haven::checks
