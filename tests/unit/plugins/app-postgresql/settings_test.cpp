// Which PostgreSQL runs a data directory, and the settings' checks.
#include <catch2/catch.hpp>

#include "postgresql_settings.hpp"

using namespace haven;
using namespace haven::postgresql;

TEST_CASE("the version: asked, else the data directory's, else the only one installed", "[postgresql][settings]") {
  const std::vector<std::string> installed{"16", "15"};
  CHECK(choose_version("15", std::string("15"), installed, "/d").value() == "15");
  CHECK(choose_version("", std::string("16"), installed, "/d").value() == "16");
  CHECK(choose_version("", std::nullopt, {"15"}, "/d").value() == "15");

  auto mismatch = choose_version("16", std::string("15"), installed, "/srv/pg");
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message.find("PG_VERSION says 15") != std::string::npos);
  auto missing = choose_version("14", std::nullopt, installed, "/d");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("postgresql-14") != std::string::npos);
  CHECK_FALSE(choose_version("", std::nullopt, installed, "/d"));
  CHECK_FALSE(choose_version("", std::string("13"), installed, "/d"));
}

TEST_CASE("settings: data must be absolute, numbers in range", "[postgresql][settings]") {
  AppContext app;
  app.settings = {{"data", "relative/dir"}, {"bin", "/nonexistent"}};
  auto relative = read_settings(app);
  REQUIRE_FALSE(relative);
  CHECK(relative.error().message.find("data=\"relative/dir\"") != std::string::npos);

  app.settings = {{"data", "/srv/pg"}, {"bin", "/nonexistent"}, {"port", "70000"}};
  auto port = read_settings(app);
  REQUIRE_FALSE(port);
  CHECK(port.error().message.find("port=\"70000\"") != std::string::npos);

  app.settings = {{"data", "/srv/pg"}, {"bin", "/nonexistent"}};
  auto no_pg_ctl = read_settings(app);
  REQUIRE_FALSE(no_pg_ctl);
  CHECK(no_pg_ctl.error().code == Errc::not_found);
  CHECK(no_pg_ctl.error().message.find("/nonexistent") != std::string::npos);
}
