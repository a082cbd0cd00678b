// mysql.safe as shipped: it installs as a template, `haven config check` names each
// placeholder on its macro's line, and a start is refused naming each of them; filled in as an
// administrator would, nothing is left to fill and the hooks are the Lua ones. Its server
// option file makes every commit durable before it is acknowledged.
#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "shipped_module_template.hpp"

TEST_CASE("mysql.safe installs as a template: config check names every placeholder on its line, start is refused",
          "[integration][mysql][module]") {
  haven::test::check_shipped_module_template(
      {.module = "mysql",
       .bin_files = {"prestart.lua", "start_prim.lua", "stop_prim.lua", "check_mysql.lua", "mysql_app.lua",
                     "mysql_server.cnf"},
       .placeholders = {"VIRTUAL_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       .filled_macros = {{"VIRTUAL_IP", "198.51.100.60"}, {"MYSQL_DATA", "/var/lib/mysql-haven"}}},
      [](const std::filesystem::path& module_dir) {
        const auto server_cnf = haven::test::slurp(module_dir / "bin" / "mysql_server.cnf");
        CHECK(server_cnf.find("innodb_flush_log_at_trx_commit = 1") != std::string::npos);
        CHECK(server_cnf.find("sync_binlog = 1") != std::string::npos);
      });
}
