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

TEST_CASE("the check before a start refuses a start_prim in Lua and in shell, naming both files") {
  test::ScratchDir dir;
  auto lua = test::write_file(dir.path() / "bin" / "start_prim.lua", "print('hi')\n");
  auto sh = test::write_file(dir.path() / "bin" / "start_prim.sh", "echo hi\n");
  test::write_file(dir.path() / "bin" / "stop_prim.cmd", "@echo off\n");
  auto st = refuse_hooks_in_several_languages(dir.path() / "bin", kExtensions);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == Errc::invalid_argument);
  CHECK_THAT(st.error().message, Catch::Contains("start_prim") && Catch::Contains(lua.string()) &&
                                     Catch::Contains(sh.string()) && !Catch::Contains("stop_prim"));
}

TEST_CASE("the check before a start lists every hook written in several languages") {
  test::ScratchDir dir;
  auto cmd = test::write_file(dir.path() / "bin" / "stop_prim.cmd", "@echo off\n");
  auto plain = test::write_file(dir.path() / "bin" / "stop_prim", "#!/bin/sh\n", true);
  auto lua = test::write_file(dir.path() / "bin" / "prestart.lua", "\n");
  auto sh = test::write_file(dir.path() / "bin" / "prestart.sh", "\n");
  auto st = refuse_hooks_in_several_languages(dir.path() / "bin", kExtensions);
  REQUIRE_FALSE(st.ok());
  for (const auto& file : {cmd, plain, lua, sh}) CHECK_THAT(st.error().message, Catch::Contains(file.string()));
}

TEST_CASE("the check before a start accepts one language per hook, different from hook to hook") {
  test::ScratchDir dir;
  test::write_file(dir.path() / "bin" / "start_prim.cmd", "@echo off\n");
  test::write_file(dir.path() / "bin" / "stop_prim.sh", "\n");
  test::write_file(dir.path() / "bin" / "prestart.lua", "\n");
  test::write_file(dir.path() / "bin" / "stop_prim.py", "\n");  // no engine claims .py
  test::write_file(dir.path() / "bin" / "start_prim", "not executable, not a hook\n", false);
  CHECK(refuse_hooks_in_several_languages(dir.path() / "bin", kExtensions).ok());
  CHECK(refuse_hooks_in_several_languages(dir.path() / "missing-bin", kExtensions).ok());
}
