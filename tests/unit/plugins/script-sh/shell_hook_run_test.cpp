// End to end: shell hooks through HookRunner, the real haven-hook runner and the
// script-sh plugin, as the module agent runs them.
#include <catch2/catch.hpp>

#include "hooks/hook_runner.hpp"
#include "test_files.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

struct ShellHook {
  test::ScratchDir dir;
  HookSpec spec;

  // A hook file in bin/ and a spec that runs it with a small module environment.
  ShellHook(const std::string& file_name, const std::string& text, bool executable = false) {
    spec.module = "demo";
    spec.hook = file_name.substr(0, file_name.find('.'));
    spec.file = test::write_file(dir.path() / "bin" / file_name, text, executable);
    spec.args = {"WAIT", "ALONE", "start"};
    spec.env = {{"SAFEMODULE", "demo"},
                {"SAFEUSERBIN", (dir.path() / "bin").string() + "/"},
                {"MY_VAR", "from <user><var>"},
                {"PATH", "/usr/bin:/bin"}};
    spec.user_log = dir.path() / "userlog.ulog";
    spec.timeout = 60s;
  }

  HookOutcome run() const {
    HookRunnerOptions options;
    options.runner = HAVEN_TEST_HOOK_RUNNER;
    auto outcome = HookRunner(options).run(spec);
    REQUIRE(outcome.ok());
    return *outcome;
  }

  std::string user_log() const { return test::read_text(spec.user_log); }
};

}  // namespace

TEST_CASE("a .sh hook gets the hook's arguments one by one, spaces kept, and $0 is its file") {
  ShellHook hook("stop_prim.sh", "echo \"argc=$# 0=$0\"\nfor a in \"$@\"; do echo \"[$a]\"; done\n");
  hook.spec.args = {"force", "ALONE", "WAIT", "stop", "two words"};
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 0);
  CHECK(test::lines_of(outcome.output_tail) ==
        std::vector<std::string>{"argc=5 0=" + hook.spec.file.string(), "[force]", "[ALONE]", "[WAIT]", "[stop]",
                                 "[two words]"});
}

TEST_CASE("a .sh hook runs with exactly the module environment the runner sets, nothing inherited") {
  ShellHook hook("start_prim.sh",
                 "echo \"module=$SAFEMODULE bin=$SAFEUSERBIN var=$MY_VAR\"\n"
                 "echo \"home=${HOME-unset} path=$PATH\"\n");
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 0);
  CHECK(test::lines_of(outcome.output_tail) ==
        std::vector<std::string>{"module=demo bin=" + (hook.dir.path() / "bin").string() + "/ var=from <user><var>",
                                 "home=unset path=/usr/bin:/bin"});
}

TEST_CASE("the hook's exit code is the runner's, and a script killed by a signal reports 128+N") {
  const auto [text, expected] = GENERATE(table<std::string, int>({{"exit 0\n", 0},
                                                                  {"true\n", 0},
                                                                  {"exit 3\n", 3},
                                                                  {"exit 255\n", 255},
                                                                  {"false\n", 1},
                                                                  {"no_such_command_for_haven\n", 127},
                                                                  {"kill -9 $$\n", 128 + 9}}));
  ShellHook hook("start_prim.sh", text);
  INFO("script: " << text);
  CHECK(hook.run().exit_code == expected);
}

TEST_CASE("stdout and stderr of a shell hook reach the user log, each line with the hook's name") {
  ShellHook hook("start_prim.sh", "echo to-stdout\necho to-stderr >&2\nprintf 'no newline at the end'\n");
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 0);
  const auto log = hook.user_log();
  CHECK_THAT(log, Catch::Contains(" start_prim to-stdout"));
  CHECK_THAT(log, Catch::Contains(" start_prim to-stderr"));
  CHECK_THAT(log, Catch::Contains(" start_prim no newline at the end"));
}

TEST_CASE("an executable hook without extension runs with /bin/sh when it has no #! line") {
  ShellHook hook("start_prim", "echo \"plain $1 $2 $3\"\n", true);
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.output_tail == "plain WAIT ALONE start");
}

TEST_CASE("an executable hook without extension runs with the interpreter of its #! line") {
  // bash-only syntax: /bin/sh (dash on Debian) would fail on it.
  ShellHook hook("start_prim", "#!/bin/bash\nargs=(\"$@\")\necho \"bash ${#args[@]} ${args[2]}\"\n", true);
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.output_tail == "bash 3 start");
}

TEST_CASE("an executable program without extension is run itself with the hook's arguments") {
  ShellHook hook("start_prim", "", true);
  std::filesystem::copy_file("/bin/echo", hook.spec.file, std::filesystem::copy_options::overwrite_existing);
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.output_tail == "WAIT ALONE start");
}

TEST_CASE("a hook whose #! interpreter is missing fails with exit code 1 and the user log names it") {
  ShellHook hook("start_prim.sh", "#!/nonexistent/haven-shell\necho never\n");
  auto outcome = hook.run();
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(hook.user_log(), Catch::Contains("/nonexistent/haven-shell") &&
                                  Catch::Contains(hook.spec.file.string()));
}

TEST_CASE("a shell hook over its timeout is killed with the programs it started in the background") {
  ShellHook hook("stop_prim.sh",
                 "echo $$ > \"$SAFEUSERBIN/pids\"\n"
                 "sleep 300 &\n"
                 "echo $! >> \"$SAFEUSERBIN/pids\"\n"
                 "echo started\n"
                 "wait\n");
  hook.spec.timeout = 1s;
  hook.spec.args = {"ALONE", "WAIT", "stop"};
  auto outcome = hook.run();
  CHECK(outcome.timed_out);
  CHECK(outcome.exit_code != 0);
  CHECK_THAT(hook.user_log(), Catch::Contains(" stop_prim started"));

  const auto pids = test::lines_of(test::read_text(hook.dir.path() / "bin" / "pids"));
  REQUIRE(pids.size() == 2);
  for (const auto& pid : pids) {
    INFO("pid " << pid);
    CHECK(test::eventually([&] { return !test::process_alive(static_cast<pid_t>(std::stoi(pid))); }));
  }
}
