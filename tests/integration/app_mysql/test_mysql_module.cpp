// mysql.safe as shipped: it installs as a template, `haven config check` names each
// placeholder on its macro's line, and a start is refused naming each of them; filled in as an
// administrator would, nothing is left to fill and the hooks are the Lua ones.
#include <catch2/catch.hpp>

#include <fstream>

#include "haven_test_node.hpp"

using haven::test::HavenTestNode;
using haven::test::slurp;

namespace {

const std::vector<std::string> kPlaceholders{"VIRTUAL_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"};

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
  REQUIRE(at != std::string::npos);
  const auto end = text.find('"', at + head.size());
  text.replace(at + head.size(), end - at - head.size(), value);
  return text;
}

}  // namespace

TEST_CASE("mysql.safe installs as a template: config check names every placeholder on its line, start is refused",
          "[integration][mysql][module]") {
  const auto safe = haven::test::build_dir() / "share" / "haven" / "modules" / "mysql.safe";
  INFO(safe.string() << " is built by the target module_mysql");
  REQUIRE(std::filesystem::exists(safe));
  HavenTestNode node;
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  const auto userconfig_file = node.paths().module_dir("mysql") / "conf" / "userconfig.xml";
  const auto userconfig = slurp(userconfig_file);
  for (const auto* hook : {"prestart.lua", "start_prim.lua", "stop_prim.lua", "check_mysql.lua", "mysql_app.lua", "mysql_server.cnf"})
    CHECK(std::filesystem::exists(node.paths().module_dir("mysql") / "bin" / hook));

  // The server's option file makes every commit durable before it is acknowledged.
  const auto server_cnf = slurp(node.paths().module_dir("mysql") / "bin" / "mysql_server.cnf");
  CHECK(server_cnf.find("innodb_flush_log_at_trx_commit = 1") != std::string::npos);
  CHECK(server_cnf.find("sync_binlog = 1") != std::string::npos);

  auto check = node.haven_json({"config", "check", "-m", "mysql"});
  INFO(check.dump(2));
  CHECK(check.value("ok", false));  // a template loads; its placeholders are warnings
  for (const auto& value : kPlaceholders) {
    const int line = line_holding(userconfig, "value=\"" + value + "\"");
    INFO(value << " on line " << line);
    REQUIRE(line > 0);
    bool named = false;
    for (const auto& d : check.value("diagnostics", nlohmann::json::array()))
      named = named || (d.value("line", 0) == line && d.value("message", "").find(value) != std::string::npos);
    CHECK(named);
  }

  auto start = node.haven({"start", "-m", "mysql"});
  INFO(start.describe());
  CHECK(start.exit_code != 0);
  for (const auto& value : kPlaceholders) CHECK((start.out + start.err).find(value) != std::string::npos);

  // Filled in: no placeholder left.
  auto filled = with_macro(userconfig, "VIRTUAL_IP", "192.0.2.10");
  filled = with_macro(filled, "MYSQL_DATA", "/var/lib/mysql-haven");
  std::ofstream(userconfig_file) << filled;
  auto filled_check = node.haven_json({"config", "check", "-m", "mysql"});
  INFO(filled_check.dump(2));
  CHECK(filled_check.value("ok", false));
  CHECK(filled_check.dump().find("placeholder") == std::string::npos);
}
