// firebird.safe as shipped: it installs as a template, `haven config check` names each
// placeholder on its macro's line, and a start is refused naming each of them; filled in as an
// administrator would, nothing is left to fill and the hooks are the Lua ones. Its server
// configuration keeps the databases off O_DIRECT and closes UDFs.
#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "shipped_module_template.hpp"

TEST_CASE("firebird.safe installs as a template: config check names every placeholder on its line, start is refused",
          "[integration][firebird][module]") {
  haven::test::check_shipped_module_template(
      {.module = "firebird",
       .bin_files = {"prestart.lua", "start_prim.lua", "stop_prim.lua", "check_firebird.lua", "firebird_app.lua",
                     "firebird_server.conf"},
       .placeholders = {"VIRTUAL_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       .filled_macros = {{"VIRTUAL_IP", "198.51.100.60"}, {"FIREBIRD_DATA", "/var/lib/firebird-haven"}}},
      [](const std::filesystem::path& module_dir) {
        const auto server_conf = haven::test::slurp(module_dir / "bin" / "firebird_server.conf");
        CHECK(server_conf.find("UdfAccess = None") != std::string::npos);
        CHECK(server_conf.find("FileSystemCacheThreshold") != std::string::npos);
      });
}
