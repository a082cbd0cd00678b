// `haven checker|errd off` kept in the module's var folder across agent restarts.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "checks/checker_settings_store.hpp"

using namespace haven;
using namespace haven::checks;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "haven-settings-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

}  // namespace

TEST_CASE("without a settings file checkers and errd are on") {
  const auto dir = temp_dir();
  auto s = load_checker_settings(checker_settings_file(dir / "modules" / "web"));
  REQUIRE(s);
  CHECK(s->checkers_on);
  CHECK(s->errd_on);
  fs::remove_all(dir);
}

TEST_CASE("checker and errd settings read back as saved, in a folder made on the way") {
  const auto dir = temp_dir();
  const auto file = checker_settings_file(dir / "modules" / "web");
  REQUIRE(save_checker_settings(file, CheckerSettings{false, true}));
  auto s = load_checker_settings(file);
  REQUIRE(s);
  CHECK_FALSE(s->checkers_on);
  CHECK(s->errd_on);
  REQUIRE(save_checker_settings(file, CheckerSettings{true, false}));
  s = load_checker_settings(file);
  REQUIRE(s);
  CHECK(s->checkers_on);
  CHECK_FALSE(s->errd_on);
  fs::remove_all(dir);
}

TEST_CASE("a damaged settings file is refused with its name and what was expected") {
  const auto dir = temp_dir();
  const auto file = checker_settings_file(dir);
  std::ofstream(file) << "{\"checker\": \"maybe\"}";
  auto s = load_checker_settings(file);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find(file.string()) != std::string::npos);
  CHECK(s.error().message.find("expected \"on\" or \"off\"") != std::string::npos);
  std::ofstream(file) << "not json";
  CHECK_FALSE(load_checker_settings(file));
  fs::remove_all(dir);
}
