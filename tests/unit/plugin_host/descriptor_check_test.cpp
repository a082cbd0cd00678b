#include <catch2/catch.hpp>

#include "plugin_host/descriptor_check.hpp"

namespace {

haven::Result<haven::PluginObject*> no_object(haven::HostContext&) noexcept {
  return haven::fail(haven::Errc::internal, "unused");
}

haven_plugin_descriptor good_descriptor() {
  return {sizeof(haven_plugin_descriptor), HAVEN_ABI_MAJOR, HAVEN_ABI_MINOR, HAVEN_TOOLCHAIN_TAG,
          haven::kKindChecker, "test.checker.x", "1.0.0", "summary", &no_object};
}

}  // namespace

TEST_CASE("dotted names need two non-empty segments of plain characters", "[plugin_host]") {
  CHECK(haven::is_dotted_name("haven.checker.tcp"));
  CHECK(haven::is_dotted_name("acme.my-checker_2"));
  CHECK_FALSE(haven::is_dotted_name(""));
  CHECK_FALSE(haven::is_dotted_name("nodots"));
  CHECK_FALSE(haven::is_dotted_name(".leading"));
  CHECK_FALSE(haven::is_dotted_name("trailing."));
  CHECK_FALSE(haven::is_dotted_name("double..dot"));
  CHECK_FALSE(haven::is_dotted_name("has space.x"));
}

TEST_CASE("a descriptor built against this SDK passes the check", "[plugin_host]") {
  auto d = good_descriptor();
  CHECK(haven::check_descriptor(&d, "/p/libx.so").ok());
}

TEST_CASE("a descriptor from an older minor of the same major is accepted", "[plugin_host]") {
  auto d = good_descriptor();
  if (HAVEN_ABI_MINOR == 0) return;  // nothing older to try
  d.abi_minor = HAVEN_ABI_MINOR - 1;
  CHECK(haven::check_descriptor(&d, "/p/libx.so").ok());
}

TEST_CASE("descriptor checks name the file and what differs", "[plugin_host]") {
  auto d = good_descriptor();
  SECTION("a struct too small to hold the ABI numbers") {
    d.struct_size = 4;
    auto s = haven::check_descriptor(&d, "/p/libx.so");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == haven::Errc::abi_mismatch);
    CHECK_THAT(s.error().message, Catch::Contains("/p/libx.so") && Catch::Contains("too small"));
  }
  SECTION("an unknown kind") {
    d.kind = "gizmo";
    auto s = haven::check_descriptor(&d, "/p/libx.so");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == haven::Errc::invalid_argument);
    CHECK_THAT(s.error().message, Catch::Contains("/p/libx.so") && Catch::Contains("kind 'gizmo'"));
  }
  SECTION("no factory") {
    d.create = nullptr;
    auto s = haven::check_descriptor(&d, "/p/libx.so");
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.error().message, Catch::Contains("/p/libx.so") && Catch::Contains("no factory"));
  }
  SECTION("no toolchain") {
    d.toolchain = nullptr;
    auto s = haven::check_descriptor(&d, "/p/libx.so");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == haven::Errc::abi_mismatch);
    CHECK_THAT(s.error().message, Catch::Contains("toolchain '(none)'"));
  }
  SECTION("no descriptor at all") {
    auto s = haven::check_descriptor(nullptr, "/p/libx.so");
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.error().message, Catch::Contains("/p/libx.so"));
  }
}
