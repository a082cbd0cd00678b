#include "shipped_module_template.hpp"

#include <catch2/catch.hpp>

#include <fstream>

#include "haven_test_node.hpp"

namespace haven::test {
namespace {

// The 1-based number of the first line of `text` holding `needle`, 0 when none does.
int line_holding(const std::string& text, const std::string& needle) {
  int line = 1;
  for (std::size_t at = 0; at < text.size(); ++line) {
    const auto nl = text.find('\n', at);
    if (text.substr(at, nl == std::string::npos ? std::string::npos : nl - at).find(needle) != std::string::npos) return line;
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return 0;
}

std::string with_macro(std::string text, const std::string& name, const std::string& value) {
  const std::string head = "<macro name=\"" + name + "\" value=\"";
  const auto at = text.find(head);
  INFO("the userconfig.xml has a macro " << name);
  REQUIRE(at != std::string::npos);
  const auto end = text.find('"', at + head.size());
  text.replace(at + head.size(), end - at - head.size(), value);
  return text;
}

}  // namespace

void check_shipped_module_template(const ShippedModuleTemplate& shipped,
                                   const std::function<void(const std::filesystem::path& module_dir)>& more_checks) {
  const std::string& module = shipped.module;
  const auto safe = build_dir() / "share" / "haven" / "modules" / (module + ".safe");
  INFO(safe.string() << " is built by the target module_" << module);
  REQUIRE(std::filesystem::exists(safe));
  HavenTestNode node;
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  const auto module_dir = node.paths().module_dir(module);
  const auto userconfig_file = module_dir / "conf" / "userconfig.xml";
  const auto userconfig = slurp(userconfig_file);
  for (const auto& file : shipped.bin_files) {
    INFO("bin/" << file);
    CHECK(std::filesystem::exists(module_dir / "bin" / file));
  }
  if (more_checks) more_checks(module_dir);

  auto check = node.haven_json({"config", "check", "-m", module});
  INFO(check.dump(2));
  CHECK(check.value("ok", false));  // a template loads; its placeholders are warnings
  for (const auto& value : shipped.placeholders) {
    const int line = line_holding(userconfig, "value=\"" + value + "\"");
    INFO(value << " on line " << line);
    REQUIRE(line > 0);
    bool named = false;
    for (const auto& d : check.value("diagnostics", nlohmann::json::array()))
      named = named || (d.value("line", 0) == line && d.value("message", "").find(value) != std::string::npos);
    CHECK(named);
  }

  auto start = node.haven({"start", "-m", module});
  INFO(start.describe());
  CHECK(start.exit_code != 0);
  for (const auto& value : shipped.placeholders) CHECK((start.out + start.err).find(value) != std::string::npos);

  // Filled in: no placeholder left.
  auto filled = userconfig;
  for (const auto& [name, value] : shipped.filled_macros) filled = with_macro(filled, name, value);
  std::ofstream(userconfig_file) << filled;
  auto filled_check = node.haven_json({"config", "check", "-m", module});
  INFO(filled_check.dump(2));
  CHECK(filled_check.value("ok", false));
  CHECK(filled_check.dump().find("placeholder") == std::string::npos);
}

}  // namespace haven::test
