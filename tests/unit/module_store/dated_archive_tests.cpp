// The dated archives of lastconfig and backup (names, rotation), and base64 for -E.
#include <chrono>

#include <catch2/catch.hpp>

#include "archive_builder.hpp"
#include "module_store/base64_text.hpp"
#include "module_store/dated_archive_names.hpp"
#include "module_store/dated_archives.hpp"
#include "module_store/module_name.hpp"
#include "module_store/module_store.hpp"

using haven::dated_archive_name;
using haven::dated_archives_beyond;
using haven::is_dated_archive_of;

namespace {

// 2026-12-07 08:09:10 UTC.
std::chrono::system_clock::time_point at_0809() {
  return std::chrono::system_clock::time_point{} + std::chrono::seconds(1'796'630'950);
}

}  // namespace

TEST_CASE("a dated archive is named MODULE_YYYYMMDD_HHMMSS.safe in UTC, with a sequence when a second has two",
          "[module_store][lastconfig]") {
  CHECK(dated_archive_name("app", at_0809()) == "app_20261207_080910.safe");
  CHECK(dated_archive_name("app", at_0809(), 1) == "app_20261207_080910_01.safe");
  CHECK(dated_archive_name("my_app", at_0809(), 12) == "my_app_20261207_080910_12.safe");
}

TEST_CASE("a new archive comes after every archive of its second, even when the first was rotated away",
          "[module_store][lastconfig]") {
  using haven::next_dated_archive_name;
  CHECK(next_dated_archive_name("app", at_0809(), {}) == "app_20261207_080910.safe");
  CHECK(next_dated_archive_name("app", at_0809(), {"app_20261207_080910.safe"}) == "app_20261207_080910_01.safe");
  CHECK(next_dated_archive_name("app", at_0809(), {"app_20261207_080910_02.safe", "app_20261207_080910_03.safe"}) ==
        "app_20261207_080910_04.safe");
  // Other seconds and other modules do not count.
  CHECK(next_dated_archive_name("app", at_0809(), {"app_20261207_080909_07.safe", "app_x_20261207_080910.safe"}) ==
        "app_20261207_080910.safe");
}

TEST_CASE("a module never claims the dated archives of a module whose name starts with its own",
          "[module_store][lastconfig]") {
  CHECK(is_dated_archive_of("app", "app_20261207_080910.safe"));
  CHECK(is_dated_archive_of("app", "app_20261207_080910_03.safe"));
  CHECK_FALSE(is_dated_archive_of("app", "app_2_20261207_080910.safe"));
  CHECK(is_dated_archive_of("app_2", "app_2_20261207_080910.safe"));
  CHECK_FALSE(is_dated_archive_of("app", "app_20261207_080910.zip"));
  CHECK_FALSE(is_dated_archive_of("app", "app_2026120_080910.safe"));
  CHECK_FALSE(is_dated_archive_of("app", "app_20261207-080910.safe"));
  CHECK_FALSE(is_dated_archive_of("app", "app_20261207_080910_.safe"));
  CHECK_FALSE(is_dated_archive_of("", "_20261207_080910.safe"));
}

TEST_CASE("rotation removes the oldest archives of the module beyond the count kept, and nothing else",
          "[module_store][lastconfig]") {
  const std::vector<std::string> names{
      "app_20261207_080910_10.safe", "app_20261207_080910.safe", "app_20261206_235959.safe", "app_20261207_080910_09.safe",
      "app_20261207_080910_02.safe", "other_20200101_000000.safe", "app_x_20200101_000000.safe", "notes.txt"};
  auto removed = dated_archives_beyond("app", names, 3);
  // _10 is newer than _09: the sequence is a number, not text.
  REQUIRE(removed == std::vector<std::string>{"app_20261206_235959.safe", "app_20261207_080910.safe"});
  CHECK(dated_archives_beyond("app", names, 5).empty());
  CHECK(dated_archives_beyond("app", names, 0).size() == 5);
  CHECK(dated_archives_beyond("nothing", names, 0).empty());
}

TEST_CASE("writing dated archives of an installed module keeps the newest three, even within one second",
          "[module_store][lastconfig]") {
  haven::test::TempFolder tmp;
  const auto paths = haven::HavenPaths::under(tmp.path() / "root");
  haven::ModuleStore store(paths);
  const auto source = tmp.path() / "app.safe";
  haven::test::ArchiveBuilder().minimal_module().write(source);
  REQUIRE(store.install(source, std::string("app"), std::nullopt, {}).ok());

  const auto folder = haven::lastconfig_dir(paths);
  CHECK(folder == paths.var_dir() / "modules" / "lastconfig");
  std::vector<std::filesystem::path> written;
  for (int i = 0; i < 5; ++i) {
    auto w = haven::write_dated_module_archive(store, "app", folder, at_0809(), haven::kLastConfigsKept);
    REQUIRE(w.ok());
    written.push_back(w->file);
    CHECK(w->removed.size() == (i < 3 ? 0u : 1u));
  }
  const auto kept = haven::dated_module_archives("app", folder);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0] == written[2]);
  CHECK(kept[2] == written[4]);
  CHECK(written[4].filename() == "app_20261207_080910_04.safe");
  // A kept archive installs back.
  haven::ModuleStore again(haven::HavenPaths::under(tmp.path() / "other"));
  auto back = again.install(kept[2], std::string("app"), std::nullopt, {});
  REQUIRE(back.ok());
  CHECK(std::filesystem::exists(back->dir / "conf" / "userconfig.xml"));

  auto missing = haven::write_dated_module_archive(store, "absent", folder, at_0809(), 3);
  CHECK_FALSE(missing.ok());
}

TEST_CASE("base64 round-trips any bytes and refuses what is not base64", "[module_store][base64]") {
  CHECK(haven::base64_encode("") == "");
  CHECK(haven::base64_encode("f") == "Zg==");
  CHECK(haven::base64_encode("fo") == "Zm8=");
  CHECK(haven::base64_encode("foo") == "Zm9v");
  CHECK(haven::base64_encode("foobar") == "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len : {0u, 1u, 2u, 3u, 4u, 255u, 256u}) {
    const auto part = all.substr(0, len);
    auto back = haven::base64_decode(haven::base64_encode(part));
    REQUIRE(back.has_value());
    CHECK(*back == part);
  }
  CHECK_FALSE(haven::base64_decode("Zm9").has_value());
  CHECK_FALSE(haven::base64_decode("Zm9v!A==").has_value());
  CHECK_FALSE(haven::base64_decode("Zg==Zm9v").has_value());
  CHECK_FALSE(haven::base64_decode("Z===").has_value());
  CHECK_FALSE(haven::base64_decode("Zm 9").has_value());
}

TEST_CASE("the names of the archive folders are not module names", "[module_store][lastconfig]") {
  CHECK_FALSE(haven::check_module_name("lastconfig").ok());
  CHECK_FALSE(haven::check_module_name("backup").ok());
  CHECK(haven::check_module_name("backup2").ok());
}
