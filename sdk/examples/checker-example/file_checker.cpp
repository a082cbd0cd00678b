#include "file_checker.hpp"

#include <filesystem>
#include <system_error>

namespace example {

haven::Result<haven::CheckResult> FileChecker::probe(std::chrono::milliseconds) noexcept {
  const haven::ConfigNode* config = host_.config();
  const auto path = config ? config->attribute("path") : std::nullopt;
  if (!path || path->empty()) {
    const std::string where = config ? config->file + ":" + std::to_string(config->line) + " " + config->path : "";
    return haven::fail(haven::Errc::invalid_argument,
                       "example.checker.file at " + where + ": attribute path is missing, expected path=\"/some/file\"");
  }
  std::error_code ec;
  if (std::filesystem::exists(*path, ec)) return haven::CheckResult{true, *path + " exists"};
  return haven::CheckResult{false, *path + " is missing" + (ec ? " (" + ec.message() + ")" : std::string())};
}

}  // namespace example
