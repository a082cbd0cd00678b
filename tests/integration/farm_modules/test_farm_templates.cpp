// The three farm modules as shipped: each installs from its .safe as a template, `haven config
// check` names every placeholder with its line, a start is refused naming each of them; once
// filled in as an administrator would, the check passes with no placeholder left.
#include <catch2/catch.hpp>

#include <fstream>

#include "farm_module_files.hpp"
#include "haven_test_node.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::slurp;

namespace {

struct ShippedModule {
  std::string name;                                  ///< the .safe's name, and the installed module's
  std::vector<std::string> placeholders;             ///< what the template leaves to fill in
  std::map<std::string, std::string> filled_macros;  ///< what an administrator puts instead
};

const std::vector<ShippedModule>& shipped_modules() {
  static const std::vector<ShippedModule> modules{
      {"farm",
       {"VIRTUAL_TO_BE_DEFINED", "SERVICE_TO_BE_DEFINED", "PROCESS_NAME"},
       {{"VIRTUAL_IP", "198.51.100.60"}, {"SERVICES", "nginx"}, {"PROCESS", "nginx"}}},
      {"apache_farm", {"VIRTUAL_TO_BE_DEFINED"}, {{"VIRTUAL_IP", "198.51.100.60"}}},
      {"iis_farm", {"VIRTUAL_TO_BE_DEFINED"}, {{"VIRTUAL_IP", "198.51.100.60"}}},
  };
  return modules;
}

std::filesystem::path installed_userconfig(const HavenTestNode& node, const std::string& module) {
  return node.paths().module_dir(module) / "conf" / "userconfig.xml";
}

void install_shipped(const HavenTestNode& node, const std::string& name) {
  const auto safe = haven::test::shipped_module(name);
  INFO(safe.string() << " is built by the target module_" << name);
  REQUIRE(std::filesystem::exists(safe));
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

bool names_placeholder_at(const nlohmann::json& check, int line, const std::string& value) {
  for (const auto& d : check.value("diagnostics", nlohmann::json::array())) {
    const auto message = d.value("message", "");
    if (d.value("line", 0) == line && message.find(value) != std::string::npos &&
        message.find("placeholder") != std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("each shipped farm module installs as a template: config check names every placeholder on its macro's "
          "line, and a start is refused naming each one",
          "[integration][farm_modules]") {
  for (const auto& module : shipped_modules()) {
    SECTION(module.name) {
      HavenTestNode node;
      install_shipped(node, module.name);
      const auto userconfig = slurp(installed_userconfig(node, module.name));

      auto check = node.haven_json({"config", "check", "-m", module.name});
      INFO(check.dump(2));
      CHECK(check.value("ok", false));  // a template loads; its placeholders are warnings
      for (const auto& value : module.placeholders) {
        const int line = haven::test::line_holding(userconfig, "value=\"" + value + "\"");
        INFO(value << " is on line " << line << " of " << module.name << "'s userconfig.xml");
        REQUIRE(line > 0);
        CHECK(names_placeholder_at(check, line, value));
      }

      auto start = node.haven({"start", "-m", module.name});
      INFO(start.describe());
      CHECK(start.exit_code != 0);
      for (const auto& value : module.placeholders) CHECK_THAT(start.out + start.err, Catch::Contains(value));
      CHECK_THAT(start.out + start.err, Catch::Contains("replace it with"));
      CHECK(node.module_state(module.name).value("state", "") == "STOP");
    }
  }
}

TEST_CASE("each shipped farm module filled in passes config check with no placeholder left",
          "[integration][farm_modules]") {
  for (const auto& module : shipped_modules()) {
    SECTION(module.name) {
      HavenTestNode node;
      install_shipped(node, module.name);
      const auto file = installed_userconfig(node, module.name);
      const auto filled = haven::test::with_macros(slurp(file), module.filled_macros);
      std::ofstream(file, std::ios::binary | std::ios::trunc) << filled;

      auto plain = node.haven({"config", "check", "-m", module.name});
      INFO(plain.describe());
      CHECK(plain.exit_code == 0);
      CHECK_THAT(plain.out, Catch::Contains("0 errors"));
      CHECK_THAT(plain.out, !Catch::Contains("placeholder"));
      for (const auto& value : module.placeholders) CHECK_THAT(plain.out, !Catch::Contains(value));
      auto check = node.haven_json({"config", "check", "-m", module.name});
      CHECK(check.value("ok", false));
    }
  }
}

TEST_CASE("the generic farm module's Lua hooks and batch hooks cannot both be in bin/: a start is refused naming both",
          "[integration][farm_modules]") {
  HavenTestNode node;
  install_shipped(node, "farm");
  const auto dir = node.paths().module_dir("farm");
  const auto file = dir / "conf" / "userconfig.xml";
  const auto filled = haven::test::without_vip(haven::test::with_macros(
      slurp(file), {{"VIRTUAL_IP", "127.0.0.1"}, {"SERVICES", "standin"}, {"PROCESS", "standin"}}));
  std::ofstream(file, std::ios::binary | std::ios::trunc) << filled;
  std::filesystem::copy_file(dir / "bin" / "windows" / "start_both.cmd", dir / "bin" / "start_both.cmd");

  auto start = node.haven({"start", "-m", "farm"});
  INFO(start.describe());
  CHECK(start.exit_code != 0);
  CHECK_THAT(start.out + start.err, Catch::Contains("start_both.lua") && Catch::Contains("start_both.cmd"));
  CHECK(node.module_state("farm").value("state", "") == "STOP");
}
