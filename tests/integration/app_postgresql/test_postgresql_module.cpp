// postgresql.safe as shipped: it installs as a template, `haven config check` names each
// placeholder on its macro's line, and a start is refused naming each of them; filled in as an
// administrator would, nothing is left to fill and the hooks are the Lua ones.
#include <catch2/catch.hpp>

#include "shipped_module_template.hpp"

TEST_CASE("postgresql.safe installs as a template: config check names every placeholder on its line, start is refused",
          "[integration][postgresql][module]") {
  haven::test::check_shipped_module_template(
      {.module = "postgresql",
       .bin_files = {"prestart.lua", "start_prim.lua", "stop_prim.lua", "check_postgresql.lua"},
       .placeholders = {"VIRTUAL_TO_BE_DEFINED", "VERSION_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       .filled_macros = {{"VIRTUAL_IP", "192.0.2.10"}, {"PG_VERSION", "15"}, {"PG_DATA", "/var/lib/postgresql/15/main"}}});
}
