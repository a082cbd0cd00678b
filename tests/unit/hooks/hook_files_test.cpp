#include <catch2/catch.hpp>

#include "hooks/hook_files.hpp"
#include "test_files.hpp"

using namespace haven;

namespace {
const std::vector<std::string> kExtensions{".lua", ".cmd", ".sh", ""};
}

TEST_CASE("a hook with no file is absent, not an error") {
  test::ScratchDir dir;
  auto found = find_hook(dir.path() / "bin", "start_prim", kExtensions);
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
}

TEST_CASE("a hook written in one language is found") {
  test::ScratchDir dir;
  auto file = test::write_file(dir.path() / "bin" / "start_prim.lua", "print('hi')\n");
  test::write_file(dir.path() / "bin" / "stop_prim.cmd", "@echo off\n");
  auto found = find_hook(dir.path() / "bin", "start_prim", kExtensions);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK(**found == file);
}

TEST_CASE("a hook written in two languages is an error naming both files") {
  test::ScratchDir dir;
  auto lua = test::write_file(dir.path() / "bin" / "start_prim.lua", "print('hi')\n");
  auto cmd = test::write_file(dir.path() / "bin" / "start_prim.cmd", "@echo off\n");
  auto found = find_hook(dir.path() / "bin", "start_prim", kExtensions);
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().code == Errc::invalid_argument);
  CHECK_THAT(found.error().message, Catch::Contains(lua.string()) && Catch::Contains(cmd.string()));
}

TEST_CASE("a hook without extension counts only when it is executable") {
  test::ScratchDir dir;
  auto plain = test::write_file(dir.path() / "bin" / "prestart", "#!/bin/sh\n", false);
  auto found = find_hook(dir.path() / "bin", "prestart", kExtensions);
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
  ::chmod(plain.c_str(), 0755);
  found = find_hook(dir.path() / "bin", "prestart", kExtensions);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK(**found == plain);
}

TEST_CASE("extensions no engine claims are not looked at") {
  test::ScratchDir dir;
  test::write_file(dir.path() / "bin" / "start_prim.py", "print('hi')\n");
  auto found = find_hook(dir.path() / "bin", "start_prim", {".lua"});
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
}

TEST_CASE("a hook name with a slash is refused") {
  test::ScratchDir dir;
  auto found = find_hook(dir.path() / "bin", "../start_prim", kExtensions);
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().code == Errc::invalid_argument);
}
