#include "file_checker.hpp"

#include <filesystem>
#include <system_error>

namespace example {

const haven::CheckerSchema& file_schema() {
  static const haven::CheckerSchema schema{"file", haven::CheckerSection::check, "file", "f_", "pre", "wait", true};
  return schema;
}

haven::CheckerConfiguration configure_file(const haven::ConfigNode& element) {
  haven::CheckerConfiguration out;
  const auto path = element.attribute("path");
  if (!path || path->empty())
    out.diagnostics.push_back(haven::ConfigDiagnostic::error(
        element, "has no path attribute; expected path=\"/absolute/file\", the file that must exist"));
  else if (!std::filesystem::path(*path).is_absolute())
    out.diagnostics.push_back(haven::ConfigDiagnostic::error(
        element, "has path=\"" + *path + "\", which is relative; expected an absolute path such as /run/app.ready",
        "path"));
  haven::warn_unknown(element, {"path"}, haven::host_checker_attributes(haven::CheckerSection::check), {},
                      out.diagnostics);
  return out;
}

haven::Result<std::unique_ptr<haven::Checker>> FileChecker::from_host(haven::HostContext& host) {
  const haven::ConfigNode* element = host.config();
  if (element == nullptr)
    return haven::fail(haven::Errc::invalid_argument, "example.checker.file needs its <file path=\"...\"/> element");
  auto checked = configure_file(*element);
  for (const auto& d : checked.diagnostics)
    if (d.severity == haven::ConfigSeverity::error)
      return haven::fail(haven::Errc::invalid_argument, "example.checker.file: " + d.to_string());
  return std::unique_ptr<haven::Checker>(std::make_unique<FileChecker>(*element->attribute("path")));
}

haven::Result<haven::CheckResult> FileChecker::probe(std::chrono::milliseconds) noexcept {
  try {
    std::error_code ec;
    if (std::filesystem::exists(path_, ec)) return haven::CheckResult{true, path_ + " exists"};
    return haven::CheckResult{false, path_ + " is missing" + (ec ? " (" + ec.message() + ")" : std::string())};
  } catch (const std::exception& e) {
    return haven::fail(haven::Errc::internal, std::string("example.checker.file: ") + e.what());
  }
}

}  // namespace example
