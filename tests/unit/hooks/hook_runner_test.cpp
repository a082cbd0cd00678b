#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "hooks/hook_runner.hpp"
#include "test_files.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

HookRunner shell_runner(std::chrono::milliseconds grace = 2000ms) {
  HookRunnerOptions options;
  options.runner = "/bin/sh";
  options.runner_is_interpreter = true;
  options.kill_grace = grace;
  return HookRunner(options);
}

HookSpec spec_for(const std::filesystem::path& file, const std::filesystem::path& user_log) {
  HookSpec spec;
  spec.module = "demo";
  spec.hook = file.stem().string();
  spec.file = file;
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.user_log = user_log;
  return spec;
}

std::vector<pid_t> pids_after(const std::string& output, const std::string& tag) {
  std::vector<pid_t> pids;
  for (const auto& line : test::lines_of(output))
    if (line.rfind(tag + " ", 0) == 0) pids.push_back(static_cast<pid_t>(std::stol(line.substr(tag.size() + 1))));
  return pids;
}

}  // namespace

TEST_CASE("each output line of a hook reaches the user log with the time and the hook's name") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "start_prim", "echo first line\necho 'on stderr' >&2\nprintf 'no newline'\n");
  auto log = dir.path() / "log" / "userlog.ulog";
  auto outcome = shell_runner().run(spec_for(script, log));
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 0);
  CHECK_FALSE(outcome->timed_out);
  const auto lines = test::lines_of(test::read_text(log));
  REQUIRE(lines.size() == 3);
  const std::regex stamp(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} start_prim (.*))");
  std::smatch m;
  REQUIRE(std::regex_match(lines[0], m, stamp));
  CHECK(m[1] == "first line");
  REQUIRE(std::regex_match(lines[1], m, stamp));
  CHECK(m[1] == "on stderr");
  REQUIRE(std::regex_match(lines[2], m, stamp));
  CHECK(m[1] == "no newline");
  CHECK(outcome->output_tail == "first line\non stderr\nno newline");
}

TEST_CASE("the output tail keeps only the last lines") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "stop_prim", "i=0; while [ $i -lt 50 ]; do echo line $i; i=$((i+1)); done\n");
  auto outcome = shell_runner().run(spec_for(script, dir.path() / "u.log"));
  REQUIRE(outcome.ok());
  const auto tail = test::lines_of(outcome->output_tail);
  REQUIRE(tail.size() == 20);
  CHECK(tail.front() == "line 30");
  CHECK(tail.back() == "line 49");
}

TEST_CASE("the hook's exit code and arguments are passed through") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "stop_prim", "echo \"$1|$2|$3\"\nexit 7\n");
  auto spec = spec_for(script, dir.path() / "u.log");
  spec.args = {"force", "ALONE", "stop"};
  auto outcome = shell_runner().run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 7);
  CHECK_FALSE(outcome->timed_out);
  CHECK(outcome->output_tail == "force|ALONE|stop");
}

TEST_CASE("a hook killed by a signal reports 128 plus the signal number") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "start_prim", "kill -KILL $$\n");
  auto outcome = shell_runner().run(spec_for(script, dir.path() / "u.log"));
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 128 + SIGKILL);
}

TEST_CASE("the hook's environment is exactly the one given, stdin is empty") {
  test::ScratchDir dir;
  ::setenv("HAVEN_TEST_MUST_NOT_LEAK", "1", 1);
  HookRunnerOptions options;
  options.runner = "/usr/bin/env";  // `env FILE` runs FILE, here env itself, which prints the environment
  options.runner_is_interpreter = true;
  auto spec = spec_for("/usr/bin/env", dir.path() / "u.log");
  spec.env = {{"SAFEMODULE", "demo"}, {"WITH_SPACES", "two words"}, {"EMPTY", ""}};
  auto outcome = HookRunner(options).run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 0);
  const auto lines = test::lines_of(outcome->output_tail);
  CHECK(std::set<std::string>(lines.begin(), lines.end()) ==
        std::set<std::string>{"SAFEMODULE=demo", "WITH_SPACES=two words", "EMPTY="});
  ::unsetenv("HAVEN_TEST_MUST_NOT_LEAK");

  auto reads = test::write_file(dir.path() / "start_both", "if read line; then echo got input; else echo no input; fi\n");
  auto outcome2 = shell_runner().run(spec_for(reads, dir.path() / "u.log"));
  REQUIRE(outcome2.ok());
  CHECK(outcome2->output_tail == "no input");
}

TEST_CASE("a hook that hangs is killed with its children at the timeout") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "stop_prim",
                                 "sleep 300 & echo \"child $!\"\n"
                                 "sleep 300 & echo \"child $!\"\n"
                                 "echo \"self $$\"\n"
                                 "wait\n");
  auto spec = spec_for(script, dir.path() / "u.log");
  spec.timeout = 300ms;
  auto outcome = shell_runner().run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->timed_out);
  CHECK(outcome->exit_code == 128 + SIGTERM);
  const auto children = pids_after(outcome->output_tail, "child");
  const auto self = pids_after(outcome->output_tail, "self");
  REQUIRE(children.size() == 2);
  REQUIRE(self.size() == 1);
  CHECK_FALSE(test::process_alive(self[0]));
  for (pid_t child : children) CHECK(test::eventually([child] { return !test::process_alive(child); }));
}

TEST_CASE("children that ignore SIGTERM are killed with SIGKILL after the grace") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "stop_prim",
                                 "trap '' TERM\n"
                                 "sleep 300 & echo \"child $!\"\n"
                                 "echo \"self $$\"\n"
                                 "wait\n");
  auto spec = spec_for(script, dir.path() / "u.log");
  spec.timeout = 200ms;
  auto outcome = shell_runner(200ms).run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->timed_out);
  CHECK(outcome->exit_code == 128 + SIGKILL);
  const auto children = pids_after(outcome->output_tail, "child");
  REQUIRE(children.size() == 1);
  CHECK(test::eventually([&] { return !test::process_alive(children[0]); }));
}

TEST_CASE("a hook that starts a program in the background returns at once and the program lives on") {
  test::ScratchDir dir;
  auto log = dir.path() / "u.log";
  auto script = test::write_file(dir.path() / "start_prim",
                                 "sh -c 'sleep 0.2; echo from the daemon; exec sleep 300' &\n"
                                 "echo \"child $!\"\n"
                                 "exit 0\n");
  auto spec = spec_for(script, log);
  spec.timeout = 60s;  // far beyond the test's own bound: a runner waiting for EOF would be caught by it
  auto outcome = shell_runner().run(spec);
  REQUIRE(outcome.ok());
  CHECK(outcome->exit_code == 0);
  CHECK_FALSE(outcome->timed_out);
  CHECK(outcome->duration < 30s);
  const auto children = pids_after(outcome->output_tail, "child");
  REQUIRE(children.size() == 1);
  CHECK(test::process_alive(children[0]));
  // Its later output still reaches the user log, under the hook that started it.
  CHECK(test::eventually([&] { return test::read_text(log).find("start_prim from the daemon") != std::string::npos; }));
  CHECK(test::process_alive(children[0]));
  ::kill(children[0], SIGKILL);
}

TEST_CASE("a runner that cannot be executed is an error naming it") {
  test::ScratchDir dir;
  HookRunnerOptions options;
  options.runner = dir.path() / "no-such-runner";
  auto script = test::write_file(dir.path() / "start_prim.lua", "print('x')\n");
  auto outcome = HookRunner(options).run(spec_for(script, dir.path() / "u.log"));
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error().code == Errc::not_found);
  CHECK_THAT(outcome.error().message, Catch::Contains("no-such-runner") && Catch::Contains("start_prim"));
}

TEST_CASE("a user log that cannot be opened is an error naming it") {
  test::ScratchDir dir;
  auto script = test::write_file(dir.path() / "start_prim", "true\n");
  auto blocker = test::write_file(dir.path() / "file", "");
  auto outcome = shell_runner().run(spec_for(script, blocker / "userlog.ulog"));
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error().code == Errc::io_error);
  CHECK_THAT(outcome.error().message, Catch::Contains("userlog.ulog"));
}
