// What a node keeps for the start at boot: per-module settings and the last boot id.
#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "state/boot_setting.hpp"

using namespace haven;

namespace {

struct ScratchRoot {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("haven-boot-setting-test-" + std::to_string(::getpid()));
  HavenPaths paths = HavenPaths::under(dir);
  ~ScratchRoot() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("a module never set has the defaults: haven boot off, not running") {
  ScratchRoot root;
  auto s = load_boot_setting(boot_setting_file(root.paths, "web"));
  REQUIRE(s.ok());
  CHECK(*s == BootSetting{});
}

TEST_CASE("a setting saved is read back, and updates change one field only") {
  ScratchRoot root;
  const auto file = boot_setting_file(root.paths, "web");
  CHECK(file == root.paths.state_dir() / "boot" / "web.json");
  REQUIRE(save_boot_setting(file, BootSetting{true, false}).ok());
  REQUIRE(update_boot_setting(file, [](BootSetting& s) { s.was_running = true; }).ok());
  auto s = load_boot_setting(file);
  REQUIRE(s.ok());
  CHECK(s->admin_on);
  CHECK(s->was_running);
  REQUIRE(update_boot_setting(file, [](BootSetting& b) { b.admin_on = false; }).ok());
  s = load_boot_setting(file);
  REQUIRE(s.ok());
  CHECK_FALSE(s->admin_on);
  CHECK(s->was_running);
}

TEST_CASE("a damaged setting file is an error naming it, and an update does not overwrite it") {
  ScratchRoot root;
  const auto file = boot_setting_file(root.paths, "web");
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "{\"format\": 1, \"admin\": \"maybe\", \"was_running\": true}";
  auto s = load_boot_setting(file);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Catch::Contains(file.string()) && Catch::Contains("\"admin\""));
  CHECK_FALSE(update_boot_setting(file, [](BootSetting& b) { b.was_running = false; }).ok());
  std::ofstream(file) << "not json";
  s = load_boot_setting(file);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::parse_error);
}

TEST_CASE("the last boot id: none at first, then the one recorded") {
  ScratchRoot root;
  const auto file = last_boot_id_file(root.paths);
  auto none = load_last_boot_id(file);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(save_last_boot_id(file, "b7c1").ok());
  auto id = load_last_boot_id(file);
  REQUIRE(id.ok());
  REQUIRE(id->has_value());
  CHECK(**id == "b7c1");
}
