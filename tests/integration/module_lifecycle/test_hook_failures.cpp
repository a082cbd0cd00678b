// Hooks that hang, fail or crash, and hooks that talk back to haven: the module always
// ends in a known state and the logs say what happened.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "process_scan.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::mirror_userconfig;
using haven::test::pack_module;
using haven::test::read_lines;
using haven::test::recording_hooks;
using haven::test::slurp;

namespace {

void install(const HavenTestNode& node, const std::string& name, const haven::test::ModuleSource& source) {
  auto safe = pack_module(node.work_dir(), name, source);
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// A number no other process on the machine has in its command line: `sleep 300.<it>`
// sleeps 300 s and carries it.
std::string unique_marker() {
  static int count = 0;
  return "300." + std::to_string(::getpid()) + std::to_string(++count);
}

// Stops a module whose stop_prim hangs in `hang_lua`, and checks that nothing the hook
// started survives.
void check_hanging_stop_prim_is_killed(const std::string& module, const std::string& hang_lua,
                                       const std::string& marker) {
  HavenTestNode node;
  install(node, module,
          {mirror_userconfig(R"(nicestoptimeout="1s" forcestoptimeout="1s")"), recording_hooks({{"stop_prim", hang_lua}})});
  auto prim = node.haven({"prim", "-m", module});
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  REQUIRE(node.module_state(module).value("state", "") == "ALONE");

  auto stop = node.haven({"stop", "-m", module}, {}, 40s);
  INFO(stop.describe());
  CHECK(stop.exit_code == 0);
  auto stopped = node.module_state(module);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");

  const auto record = read_lines(node.record_file(module));
  CHECK(contains(record, "stop_prim ALONE WAIT stop"));
  CHECK(contains(record, "stop_prim force WAIT STOP stop"));
  CHECK(contains(record, "poststop WAIT STOP stop"));

  const auto children = haven::test::processes_with_cmdline(marker);
  const auto hook = haven::test::processes_with_cmdline(node.paths().module_dir(module).string() + "/bin/stop_prim.lua");
  INFO("still running after STOP:\n" << haven::test::describe_processes(children) << haven::test::describe_processes(hook));
  CHECK(children.empty());
  CHECK(hook.empty());
  CHECK_THAT(slurp(node.module_log(module)), Catch::Contains("stop_prim"));
}

}  // namespace

// haven.exec puts its program in a process group of its own, so only killing the hook's
// group would miss it: the runner kills the hook's whole session.
TEST_CASE("a stop_prim that hangs in haven.exec is killed with the programs it started, and the module stops",
          "[integration][hooks]") {
  const auto marker = unique_marker();
  check_hanging_stop_prim_is_killed(
      "hangexec", "haven.exec{ \"/bin/sh\", \"-c\", \"sleep " + marker + " & sleep " + marker + "\" }\n", marker);
}

TEST_CASE("a stop_prim that hangs after starting a background child is killed with it, and the module stops",
          "[integration][hooks]") {
  const auto marker = unique_marker();
  check_hanging_stop_prim_is_killed("hangbg", "os.execute(\"sleep " + marker + " &\")\nhaven.sleep(300)\n", marker);
}

TEST_CASE("a start_prim that exits 3 brings the module back to STOP through the stop hooks, and the log says why",
          "[integration][hooks]") {
  HavenTestNode node;
  install(node, "ex3", {mirror_userconfig(), recording_hooks({{"start_prim", "os.exit(3)\n"}})});

  auto prim = node.haven({"prim", "-m", "ex3"});
  INFO(prim.describe());
  CHECK(prim.exit_code == 1);  // a start that ends in STOP is a failure for scripts too
  auto stopped = node.wait_for_state("ex3", "STOP", "", 20s);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");

  const auto record = read_lines(node.record_file("ex3"));
  INFO("record:\n" << slurp(node.record_file("ex3")));
  CHECK(contains(record, "start_prim WAIT ALONE start"));
  CHECK_FALSE(contains(record, "start_sec WAIT ALONE start"));
  CHECK(contains(record, "stop_prim force WAIT STOP stop"));
  CHECK(contains(record, "stop_both force WAIT STOP stop"));
  CHECK(contains(record, "poststop WAIT STOP stop"));
  REQUIRE_FALSE(record.empty());
  CHECK(record.back() == "transition WAIT STOP stop");

  const auto log = slurp(node.module_log("ex3"));
  INFO("module.log:\n" << log);
  CHECK_THAT(log, Catch::Contains("start_prim") && Catch::Contains("exit code 3"));
}

TEST_CASE("a start_prim with a Lua runtime error stops the module and the logs name the script's line",
          "[integration][hooks]") {
  HavenTestNode node;
  // The recording prologue is 5 lines: the error is on line 7.
  install(node, "luaerr", {mirror_userconfig(), recording_hooks({{"start_prim", "local t = nil\nt.x = 1\n"}})});

  node.haven({"prim", "-m", "luaerr"});
  auto stopped = node.wait_for_state("luaerr", "STOP", "", 20s);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");

  const auto logs = slurp(node.module_log("luaerr")) + slurp(node.user_log("luaerr"));
  INFO("module.log and userlog.ulog:\n" << logs);
  CHECK_THAT(logs, Catch::Contains("start_prim.lua:7:"));
}

TEST_CASE("forcestop kills a start_prim that hangs, and the module stops", "[integration][hooks]") {
  HavenTestNode node;
  install(node, "hang", {mirror_userconfig(), recording_hooks({{"start_prim", "haven.sleep(300)\n"}})});

  auto prim = node.haven({"prim", "-m", "hang", "--no-wait"});
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return node.module_state("hang").value("hook", "") == "start_prim"; }, 10s));

  auto stop = node.haven({"forcestop", "-m", "hang", "--timeout", "20"});
  INFO(stop.describe());
  CHECK(stop.exit_code == 0);
  auto stopped = node.wait_for_state("hang", "STOP", "", 20s);
  CHECK(stopped.value("state", "") == "STOP");
  CHECK_THAT(slurp(node.module_log("hang")), Catch::Contains("killed with its children by forcestop"));
}

TEST_CASE("safekit printi writes to the module log, from a shell and from a hook through $SAFE",
          "[integration][hooks]") {
  HavenTestNode node;
  const std::string hook =
      "local r = haven.exec{ os.getenv(\"SAFE\") .. \"safekit\", \"printe\", \"from-start_prim-via-safekit\" }\n"
      "if r.code ~= 0 then os.exit(r.code) end\n";
  install(node, "sk", {mirror_userconfig(), recording_hooks({{"start_prim", hook}})});

  auto prim = node.haven({"prim", "-m", "sk"});
  INFO(prim.describe());
  CHECK(node.module_state("sk").value("state", "") == "ALONE");

  auto printi = node.run({haven::test::build_program("safekit").string(), "printi", "hello from safekit"},
                         {{"SAFEMODULE", "sk"}, {"HAVEN_ROOT", node.root().string()}});
  INFO(printi.describe());
  CHECK(printi.exit_code == 0);

  const auto log = slurp(node.module_log("sk"));
  INFO("module.log:\n" << log);
  CHECK_THAT(log, Catch::Contains("I sk: hello from safekit"));
  CHECK_THAT(log, Catch::Contains("E sk: from-start_prim-via-safekit"));
}
