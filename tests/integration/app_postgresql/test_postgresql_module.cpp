// postgresql.safe as shipped: it installs as a template, `haven config check` names each
// placeholder on its macro's line, and a start is refused naming each of them; filled in as an
// administrator would, nothing is left to fill and the hooks are the Lua ones.
#include <catch2/catch.hpp>

#include <sstream>

#include "haven_test_node.hpp"
#include "shipped_module_template.hpp"

TEST_CASE("postgresql.safe installs as a template: config check names every placeholder on its line, start is refused",
          "[integration][postgresql][module]") {
  haven::test::check_shipped_module_template(
      {.module = "postgresql",
       .bin_files = {"prestart.lua", "start_prim.lua", "stop_prim.lua", "check_postgresql.lua"},
       .placeholders = {"VIRTUAL_TO_BE_DEFINED", "VERSION_TO_BE_DEFINED", "/DATA_DIR_TO_BE_DEFINED"},
       .filled_macros = {{"VIRTUAL_IP", "198.51.100.60"}, {"PG_VERSION", "15"}, {"PG_DATA", "/var/lib/postgresql/15/main"}}},
      [](const std::filesystem::path& module_dir) {
        // The data directory is what is replicated, and the stop goes through the plugin, which
        // verifies a process before it signals it: no hook reads the replicated postmaster.pid.
        const auto userconfig = haven::test::slurp(module_dir / "conf" / "userconfig.xml");
        CHECK(userconfig.find("<replicated dir=\"%PG_DATA%\"") != std::string::npos);
        for (const char* hook : {"prestart.lua", "stop_prim.lua"}) {
          std::string text;  // the Lua, without its comments (they say what is not done, and why)
          std::istringstream lines(haven::test::slurp(module_dir / "bin" / hook));
          for (std::string line; std::getline(lines, line);)
            if (line.rfind("--", 0) != 0) text += line + "\n";
          INFO(hook);
          CHECK(text.find("pg:stop(") != std::string::npos);
          CHECK(text.find("pg_ctl") == std::string::npos);
          CHECK(text.find("postmaster.pid") == std::string::npos);
        }
      });
}
