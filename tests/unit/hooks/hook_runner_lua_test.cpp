// End to end: a .lua hook through HookRunner, the real haven-hook runner and the
// script-lua plugin found in the build tree's plugin folder.
#include <catch2/catch.hpp>

#include "hooks/hook_runner.hpp"
#include "test_files.hpp"

using namespace haven;
using namespace std::chrono_literals;

TEST_CASE("a Lua hook runs through haven-hook with its arguments, environment and exit code") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "bin" / "start_prim.lua",
                                 "print('running ' .. haven.module .. ' ' .. table.concat({...}, ' '))\n"
                                 "haven.printi('started from ' .. arg[0])\n"
                                 "os.exit(5)\n");
  HookRunnerOptions options;
  options.runner = HAVEN_TEST_HOOK_RUNNER;
  HookSpec spec;
  spec.module = "demo";
  spec.hook = "start_prim";
  spec.file = script;
  spec.args = {"WAIT", "ALONE", "start"};
  spec.env = {{"SAFEMODULE", "demo"}, {"HAVEN_MODULE_LOG", (dir.path() / "module.log").string()},
              {"PATH", "/usr/bin:/bin"}};
  spec.user_log = dir.path() / "userlog.ulog";
  spec.timeout = 60s;
  auto outcome = HookRunner(options).run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 5);
  CHECK(outcome->output_tail == "running demo WAIT ALONE start");
  CHECK_THAT(test::read_text(spec.user_log), Catch::Contains(" start_prim running demo WAIT ALONE start"));
  CHECK_THAT(test::read_text(dir.path() / "module.log"), Catch::Contains(" I demo: started from " + script.string()));
}

TEST_CASE("a Lua error in a hook is reported with its file and line in the user log, exit code 1") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "stop_prim.lua", "local ok = true\nundefined_function()\n");
  HookRunnerOptions options;
  options.runner = HAVEN_TEST_HOOK_RUNNER;
  HookSpec spec;
  spec.hook = "stop_prim";
  spec.file = script;
  spec.user_log = dir.path() / "userlog.ulog";
  auto outcome = HookRunner(options).run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 1);
  CHECK_THAT(outcome->output_tail, Catch::Contains("stop_prim.lua:2:") && Catch::Contains("undefined_function"));
  CHECK_THAT(test::read_text(spec.user_log), Catch::Contains("stop_prim stop_prim.lua:2:"));
}

TEST_CASE("a hook in a language no engine runs fails with the known extensions listed") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "start_prim.py", "print('hi')\n");
  HookRunnerOptions options;
  options.runner = HAVEN_TEST_HOOK_RUNNER;
  HookSpec spec;
  spec.hook = "start_prim";
  spec.file = script;
  auto outcome = HookRunner(options).run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 2);
  CHECK_THAT(outcome->output_tail, Catch::Contains(".py") && Catch::Contains("known script extensions") &&
                                       Catch::Contains(".lua"));
}
