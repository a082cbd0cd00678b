// The six mirror modules with batch hooks, as shipped: each installs from its .safe as a
// template, `haven config check` names every placeholder (a TO_BE_DEFINED value on its macro's
// line, a Windows folder on its <replicated> line), a start is refused naming each of them;
// once filled in as an administrator on Linux would, the check passes with none left.
#include <catch2/catch.hpp>

#include <fstream>

#include "cmd_module_files.hpp"
#include "haven_test_node.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::slurp;

namespace {

struct ShippedTemplate {
  std::string name;                                  ///< the .safe's name and the module's
  std::vector<std::string> macro_placeholders;       ///< named on their <macro> line
  std::vector<std::string> folder_placeholders;      ///< Windows folders, named on a <replicated> line
  std::map<std::string, std::string> filled_macros;  ///< what an administrator puts instead
  std::map<std::string, std::string> filled_text;    ///< literal values replaced in the file
};

const std::string kSqlData = "C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA";
const std::string kSqlLog = "C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Log";

const std::vector<ShippedTemplate>& templates() {
  static const std::vector<ShippedTemplate> all{
      {"sqlserver",
       {"VIRTUAL_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       {kSqlData},
       {{"VIRTUAL_IP", "198.51.100.60"}, {"SYSTEM_DB_DIR", "/var/opt/mssql/data"}, {"USER_DB_DIR", "/srv/sqldata"}},
       {}},
      {"milestone",
       {"VIRTUAL_TO_BE_DEFINED"},
       {kSqlData, kSqlLog},
       {{"VIRTUAL_IP", "198.51.100.60"}, {"SQL_DATA_DIR", "/srv/mssql/data"}, {"SQL_LOG_DIR", "/srv/mssql/log"}},
       {}},
      {"hanwha_ssm",
       {"VIRTUAL_TO_BE_DEFINED", "SERVICE_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       {},
       {{"VIRTUAL_IP", "198.51.100.60"}, {"SERVICES", "postgresql-x64-14, SSM Core Server"}, {"PG_DATA_DIR", "/srv/ssm/pgdata"}},
       {}},
      {"hyperv", {"VM_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"}, {}, {{"VM_NAME", "vm1"}, {"VM_PATH", "/srv/vms/vm1"}}, {}},
      {"oracle",
       {"VIRTUAL_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       {},
       {{"VIRTUAL_IP", "198.51.100.60"}, {"DATA_DIR", "/u02/oradata/ORCL"}},
       {}},
      {"mirror",
       {"VIRTUAL_TO_BE_DEFINED", "SERVICE_TO_BE_DEFINED", "PROCESS_NAME"},
       {"c:\\test1replicated", "c:\\test2replicated"},
       {{"VIRTUAL_IP", "198.51.100.60"}, {"SERVICES", "app"}, {"PROCESS", "app"}},
       {{"c:\\test1replicated", "/srv/app/data"}, {"c:\\test2replicated", "/srv/app/logs"}}},
  };
  return all;
}

std::filesystem::path userconfig_of(const HavenTestNode& node, const std::string& module) {
  return node.paths().module_dir(module) / "conf" / "userconfig.xml";
}

void install_template(const HavenTestNode& node, const std::string& name) {
  const auto safe = haven::test::shipped_cmd_module(name);
  INFO(safe.string() << " is built by the target module_" << name);
  REQUIRE(std::filesystem::exists(safe));
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

// The diagnostic naming `value` as a placeholder; its line, or -1 when there is none.
int placeholder_line(const nlohmann::json& check, const std::string& value) {
  for (const auto& d : check.value("diagnostics", nlohmann::json::array())) {
    const auto message = d.value("message", "");
    if (message.find("\"" + value + "\"") != std::string::npos && message.find("placeholder") != std::string::npos)
      return d.value("line", 0);
  }
  return -1;
}

}  // namespace

TEST_CASE("each shipped batch-hook mirror module installs as a template: config check names every placeholder at "
          "its line, and a start is refused naming each one",
          "[integration][cmd_modules]") {
  for (const auto& module : templates()) {
    SECTION(module.name) {
      HavenTestNode node;
      install_template(node, module.name);
      const auto userconfig = slurp(userconfig_of(node, module.name));
      const auto bin = node.paths().module_dir(module.name) / "bin";
      for (const char* hook : {"prestart.cmd", "start_prim.cmd", "stop_prim.cmd"})
        CHECK(std::filesystem::is_regular_file(bin / hook));

      auto check = node.haven_json({"config", "check", "-m", module.name});
      INFO(check.dump(2));
      CHECK(check.value("ok", false));  // a template loads; its placeholders are warnings
      for (const auto& value : module.macro_placeholders) {
        const int line = haven::test::line_with(userconfig, "value=\"" + value + "\"");
        INFO(value << " is on line " << line << " of " << module.name << "'s userconfig.xml");
        REQUIRE(line > 0);
        CHECK(placeholder_line(check, value) == line);
      }
      for (const auto& folder : module.folder_placeholders) {
        INFO(folder << " must be named as a Windows folder to replace");
        CHECK(placeholder_line(check, folder) > 0);
      }

      auto start = node.haven({"start", "-m", module.name});
      INFO(start.describe());
      CHECK(start.exit_code != 0);
      for (const auto& value : module.macro_placeholders) CHECK_THAT(start.out + start.err, Catch::Contains(value));
      for (const auto& value : module.folder_placeholders) CHECK_THAT(start.out + start.err, Catch::Contains(value));
      CHECK_THAT(start.out + start.err, Catch::Contains("replace it with"));
      CHECK(node.module_state(module.name).value("state", "") == "STOP");
    }
  }
}

TEST_CASE("each shipped batch-hook mirror module filled in passes config check with no placeholder left",
          "[integration][cmd_modules]") {
  for (const auto& module : templates()) {
    SECTION(module.name) {
      HavenTestNode node;
      install_template(node, module.name);
      const auto file = userconfig_of(node, module.name);
      auto filled = haven::test::with_macro_values(slurp(file), module.filled_macros);
      if (!module.filled_text.empty()) filled = haven::test::with_text_replaced(filled, module.filled_text);
      std::ofstream(file, std::ios::binary | std::ios::trunc) << filled;

      auto plain = node.haven({"config", "check", "-m", module.name});
      INFO(plain.describe());
      CHECK(plain.exit_code == 0);
      CHECK_THAT(plain.out, Catch::Contains("0 errors"));
      CHECK_THAT(plain.out, !Catch::Contains("placeholder"));
      auto check = node.haven_json({"config", "check", "-m", module.name});
      CHECK(check.value("ok", false));
    }
  }
}
