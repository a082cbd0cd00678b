// A module holding the same hook in two languages never starts: `haven start` (and prim)
// are refused with an error naming both files, before any hook runs.
#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "seed_module_files.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::ModuleSource;

namespace {

// Installs `source` as `module` and checks that start and prim are refused naming the
// installed bin/ files `a` and `b`, and that no hook ran.
void check_start_refused(const std::string& module, const ModuleSource& source, const std::string& a,
                         const std::string& b) {
  HavenTestNode node;
  auto safe = haven::test::pack_module(node.work_dir(), module, source);
  auto install = node.haven({"module", "install", safe.string()});
  INFO(install.describe());
  REQUIRE(install.exit_code == 0);

  const auto bin = node.paths().module_dir(module) / "bin";
  for (const char* command : {"start", "prim"}) {
    auto r = node.haven({command, "-m", module});
    INFO("haven " << command << ": " << r.describe());
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.out + r.err, Catch::Contains((bin / a).string()) && Catch::Contains((bin / b).string()) &&
                                  Catch::Contains("more than one language"));
    CHECK(node.module_state(module).value("state", "") == "STOP");
  }
  CHECK_FALSE(std::filesystem::exists(node.paths().module_var_dir(module) / "ran"));
}

// Each hook records that it ran: none may.
const std::string kLuaHook = "io.open(os.getenv('SAFEUSERVAR') .. '/ran', 'a'):write('lua\\n')\n";
const std::string kShHook = "echo sh >> \"$SAFEUSERVAR/ran\"\n";

}  // namespace

TEST_CASE("a module with start_prim.lua and start_prim.sh is refused at start, naming both files",
          "[integration][seed][hooks]") {
  check_start_refused("twolang", {haven::test::seed_userconfig_for_linux(), {{"start_prim.lua", kLuaHook}, {"start_prim.sh", kShHook}}},
                      "start_prim.lua", "start_prim.sh");
}

TEST_CASE("a module with the seed's start_prim.cmd and a start_prim.lua is refused at start, naming both files",
          "[integration][seed][hooks]") {
  if (!std::filesystem::exists(haven::test::script_cmd_plugin())) {
    WARN("SKIPPED: the script-cmd plugin is not built (" << haven::test::script_cmd_plugin().string()
                                                         << " is missing), so .cmd files are no hooks yet");
    SUCCEED("skipped until haven_script_cmd is built");
    return;
  }
  auto source = haven::test::seed_module();
  source.userconfig = haven::test::seed_userconfig_for_linux();
  source.bin["start_prim.lua"] = kLuaHook;
  check_start_refused("cmdlua", source, "start_prim.cmd", "start_prim.lua");
}
