#include "module_store/module_name.hpp"

#include <array>

namespace haven {

Status check_module_name(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  bool good = !name.empty() && name.size() <= 32;
  for (char c : name) good = good && allowed(c);
  if (!good) {
    return fail(Errc::invalid_argument,
                "module name '" + std::string(name) +
                    "' is not valid: expected 1 to 32 letters, digits, '_' or '-' (it names the module's folder)");
  }
  // A module's SAFEUSERVAR is SAFEVAR/modules/NAME, beside the archive folders.
  if (name == "lastconfig" || name == "backup")
    return fail(Errc::invalid_argument, "module name '" + std::string(name) +
                                            "' is reserved: SAFEVAR/modules/" + std::string(name) +
                                            " holds the archives haven keeps of modules; choose another name");
  return ok_status();
}

std::string module_name_from_archive(const std::filesystem::path& archive) {
  static constexpr std::array<std::string_view, 8> kSuffixes = {
      ".safe", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar"};
  std::string file = archive.filename().string();
  for (std::string_view suffix : kSuffixes) {
    if (file.size() > suffix.size() && file.ends_with(suffix)) return file.substr(0, file.size() - suffix.size());
  }
  return file;
}

}  // namespace haven
