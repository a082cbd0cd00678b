// A module's checkers and failover rules at work on one node: process monitoring restarts
// the application, a failing tcp checker triggers its rule until maxloop stops the module,
// a custom resource set by a script triggers the administrator's rule, a wait() rule
// holds the module and lets it go, a <custom> checker's program flips its resource and its
// rule acts, `haven checker off` outlives a restart, and a <module> checker makes a module
// wait for the one it depends on and stopstarts it when that one restarts.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "haven_test_node.hpp"
#include "process_scan.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::pack_module;
using haven::test::read_lines;
using haven::test::recording_hooks;

namespace {

// A closed port on loopback: nothing of these tests listens there.
constexpr int kClosedPort = 29361;

std::string userconfig(const std::string& service_children, const std::string& maxloop = "3") {
  return "<!DOCTYPE safe>\n<safe>\n  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"" + maxloop +
         "\" loop_interval=\"24h\">\n"
         "    <heart pulse=\"700ms\" timeout=\"30s\"><heartbeat name=\"default\" ident=\"flow\"/></heart>\n" +
         service_children + "\n    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n  </service>\n</safe>\n";
}

void install(const HavenTestNode& node, const std::string& name, const haven::test::ModuleSource& source) {
  auto safe = pack_module(node.work_dir(), name, source);
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

long count_lines(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

bool log_has(const HavenTestNode& node, const std::string& module, const std::string& fragment) {
  for (const auto& line : read_lines(node.module_log(module)))
    if (line.find(fragment) != std::string::npos) return true;
  return false;
}

// Alive and not a zombie waiting for its reaper.
bool process_running(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

std::string resource_value(const HavenTestNode& node, const std::string& module, const std::string& resource) {
  auto r = node.haven({"--json", "get", "-r", resource, "-m", module});
  if (r.exit_code != 0) return "";
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return "";
  const auto& list = j.contains("resources") ? j["resources"] : j;
  if (!list.is_array() || list.empty()) return "";
  return list[0].value("value", "");
}

}  // namespace

TEST_CASE("errd restarts the application when its process dies, and maxloop stops the module at last",
          "[integration][checks]") {
  HavenTestNode node;
  const std::string marker = "300." + std::to_string(::getpid());
  // Returns once the process is there: errd probes as soon as start_prim ends.
  const std::string start = "haven.exec{ \"sh\", \"-c\", \"sleep " + marker + " >/dev/null 2>&1 & until pgrep -f '^sleep " +
                            marker + "$' >/dev/null; do sleep 0.01; done\" }\n";
  const std::string stop = "haven.exec{ \"pkill\", \"-f\", \"^sleep " + marker + "$\" }\n";
  install(node, "errd",
          {userconfig("    <errd polltimer=\"200ms\">\n"
                      "      <proc name=\"sleep\" argregex=\"^" + marker.substr(0, 3) + "\\." + marker.substr(4) +
                          "$\" atleast=\"1\" action=\"restart\" class=\"prim\"/>\n"
                      "    </errd>",
                      "2"),
           recording_hooks({{"start_prim", start}, {"stop_prim", stop}})});
  auto prim = node.haven({"prim", "-m", "errd"});
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "errd", "proc.sleep") == "up"; }, 10s));

  for (int kill_round = 1; kill_round <= 2; ++kill_round) {
    REQUIRE(node.run({"/usr/bin/pkill", "-f", "^sleep " + marker + "$"}).exit_code == 0);
    REQUIRE(haven::test::wait_until(
        [&] { return count_lines(read_lines(node.record_file("errd")), "start_prim") == kill_round + 1; }, 15s));
    REQUIRE(haven::test::wait_until([&] { return resource_value(node, "errd", "proc.sleep") == "up"; }, 10s));
    CHECK(node.module_state("errd").value("state", "") == "ALONE");
  }
  CHECK(log_has(node, "errd", "Action restart called by errd"));
  CHECK(log_has(node, "errd", "Resource proc.sleep set to down by proccheck"));

  // maxloop="2": the third death within loop_interval stops the module.
  REQUIRE(node.run({"/usr/bin/pkill", "-f", "^sleep " + marker + "$"}).exit_code == 0);
  auto stopped = node.wait_for_state("errd", "STOP", "", 20s);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");
  CHECK(log_has(node, "errd", "Action stop called by maxloop"));
}

TEST_CASE("a tcp checker on a closed port triggers its generated rule, then maxloop stops the module",
          "[integration][checks]") {
  HavenTestNode node;
  install(node, "tcp",
          {userconfig("    <check>\n"
                      "      <tcp ident=\"web\" when=\"prim\"><to addr=\"127.0.0.1\" port=\"" +
                          std::to_string(kClosedPort) + "\" interval=\"100ms\" timeout=\"100ms\"/></tcp>\n"
                      "    </check>\n"
                      "    <failover period=\"100ms\" handle_time=\"300ms\"/>",
                      "2"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "tcp"}).exit_code == 0);
  auto stopped = node.wait_for_state("tcp", "STOP", "", 30s);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");
  CHECK(log_has(node, "tcp", "Resource tcp.web set to down by tcpcheck"));
  CHECK(log_has(node, "tcp", "Action restart called by failover rule t_web"));
  CHECK(log_has(node, "tcp", "Action stop called by maxloop"));
  const auto record = read_lines(node.record_file("tcp"));
  CHECK(count_lines(record, "start_prim") == 3);  // the start, then two restarts
}

TEST_CASE("the administrator's rule over a custom resource stops and starts the module", "[integration][checks]") {
  HavenTestNode node;
  install(node, "custom",
          {userconfig("    <failover period=\"100ms\" handle_time=\"200ms\"><![CDATA[\n"
                      "      db_down: if (custom.db == down) then stopstart();\n"
                      "    ]]></failover>"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "custom"}).exit_code == 0);
  auto set = node.haven({"set", "-r", "custom.db", "-v", "down", "-m", "custom"});
  INFO(set.describe());
  REQUIRE(set.exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return log_has(node, "custom", "Action stopstart called by failover rule db_down"); },
                                  10s));
  // After the stopstart the agent's resources start again from their initial values: the
  // module comes back ALONE and the rule does not fire again.
  auto back = node.wait_for_state("custom", "ALONE", "Ready", 15s);
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
  const auto record = read_lines(node.record_file("custom"));
  CHECK(count_lines(record, "stop_prim ALONE WAIT stopstart") == 1);
  CHECK(count_lines(record, "start_prim") == 2);
}

TEST_CASE("a wait() rule holds the module in WAIT while its resource is down and lets it go",
          "[integration][checks]") {
  HavenTestNode node;
  install(node, "held",
          {userconfig("    <failover period=\"100ms\" handle_time=\"200ms\"><![CDATA[\n"
                      "      net_down: if (custom.net == down) then wait();\n"
                      "    ]]></failover>"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "held"}).exit_code == 0);
  REQUIRE(node.haven({"set", "-r", "custom.net", "-v", "down", "-m", "held"}).exit_code == 0);
  auto waiting = node.wait_for_state("held", "WAIT", "NotReady", 15s);
  INFO(waiting.dump());
  CHECK(waiting.value("state", "") == "WAIT");
  CHECK(waiting.value("reason", "").find("rule net_down holds the module") != std::string::npos);
  auto refused = node.haven({"prim", "-m", "held"});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("failover rule net_down holds it in WAIT") != std::string::npos);

  REQUIRE(node.haven({"set", "-r", "custom.net", "-v", "up", "-m", "held"}).exit_code == 0);
  auto back = node.wait_for_state("held", "ALONE", "Ready", 15s);
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
  CHECK(log_has(node, "held", "Action wait called by failover rule net_down"));
}

TEST_CASE("a custom checker's script sets its resource down and its generated rule stops and starts the module",
          "[integration][checks]") {
  HavenTestNode node;
  // The first run reports down once; the run after the stopstart reports up and stays.
  const std::string script =
      "#!/bin/sh\n"
      "module=$1 resource=$2\n"
      "echo \"$module $resource $3\" >> \"$SAFEUSERVAR/custom_runs\"\n"
      "if [ ! -e \"$SAFEUSERVAR/flipped\" ]; then\n"
      "  touch \"$SAFEUSERVAR/flipped\"\n"
      "  haven set -r \"$resource\" -v down -m \"$module\"\n"
      "else\n"
      "  haven set -r \"$resource\" -v up -m \"$module\"\n"
      "fi\n"
      "echo $$ > \"$SAFEUSERVAR/custom_pid\"\n"
      "exec sleep 600\n";
  auto hooks = recording_hooks();
  hooks["check_db.sh"] = script;
  install(node, "cust",
          {userconfig("    <check>\n"
                      "      <custom ident=\"db\" exec=\"check_db.sh\" arg=\"5432\" action=\"stopstart\"/>\n"
                      "    </check>\n"
                      "    <failover period=\"100ms\" handle_time=\"200ms\"/>"),
           hooks});
  REQUIRE(node.haven({"prim", "-m", "cust"}).exit_code == 0);
  REQUIRE(haven::test::wait_until(
      [&] { return log_has(node, "cust", "Action stopstart called by failover rule c_db"); }, 20s));
  auto back = node.wait_for_state("cust", "ALONE", "Ready", 20s);
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "cust", "custom.db") == "up"; }, 10s));
  const auto var = node.record_file("cust").parent_path();
  const auto runs = read_lines(var / "custom_runs");
  CHECK(runs.size() == 2);  // killed at the stop, started again after the start
  if (!runs.empty()) CHECK(runs.front() == "cust custom.db 5432");
  const auto record = read_lines(node.record_file("cust"));
  CHECK(count_lines(record, "start_prim") == 2);
  CHECK(log_has(node, "cust", "custom checker custom.db: starting"));

  // The module's stop kills the script with its sleep.
  REQUIRE(haven::test::wait_until([&] { return !read_lines(var / "custom_pid").empty(); }, 10s));
  const std::string sleeper = read_lines(var / "custom_pid").front();
  REQUIRE(process_running(sleeper));
  REQUIRE(node.haven({"stop", "-m", "cust"}).exit_code == 0);
  node.wait_for_state("cust", "STOP", "", 20s);
  CHECK(haven::test::wait_until([&] { return !process_running(sleeper); }, 10s));
}

TEST_CASE("haven checker off outlives the module's restart, and checker on brings the checkers back",
          "[integration][checks]") {
  HavenTestNode node;
  install(node, "keep",
          {userconfig("    <check>\n"
                      "      <tcp ident=\"web\" when=\"prim\" action=\"wait\"><to addr=\"127.0.0.1\" port=\"" +
                          std::to_string(kClosedPort) + "\" interval=\"100ms\" timeout=\"100ms\"/></tcp>\n"
                      "    </check>"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "keep"}).exit_code == 0);
  REQUIRE(node.wait_for_state("keep", "ALONE", "Ready", 15s).value("state", "") == "ALONE");
  auto off = node.haven({"checker", "off", "-m", "keep"});
  INFO(off.describe());
  REQUIRE(off.exit_code == 0);
  REQUIRE(node.haven({"errd", "off", "-m", "keep"}).exit_code == 0);
  REQUIRE(node.haven({"stop", "-m", "keep"}).exit_code == 0);
  node.wait_for_state("keep", "STOP", "", 20s);

  REQUIRE(node.haven({"prim", "-m", "keep"}).exit_code == 0);
  auto alone = node.wait_for_state("keep", "ALONE", "Ready", 15s);
  INFO(alone.dump());
  CHECK(resource_value(node, "keep", "usersetting.checker") == "off");
  CHECK(resource_value(node, "keep", "usersetting.errd") == "off");
  CHECK(resource_value(node, "keep", "tcp.web") == "init");  // not probing while off
  CHECK(log_has(node, "keep", "as 'haven checker off' left them"));

  REQUIRE(node.haven({"checker", "on", "-m", "keep"}).exit_code == 0);
  CHECK(haven::test::wait_until([&] { return resource_value(node, "keep", "tcp.web") == "down"; }, 10s));
  CHECK(resource_value(node, "keep", "usersetting.checker") == "on");
}

TEST_CASE("a <module> checker holds the module in WAIT while the module it depends on is not running, and lets it go",
          "[integration][checks]") {
  HavenTestNode node;
  install(node, "base", {userconfig(""), recording_hooks()});
  install(node, "dep",
          {userconfig("    <check>\n"
                      "      <module name=\"base\"><to addr=\"127.0.0.1\" interval=\"100ms\" timeout=\"2s\"/></module>\n"
                      "    </check>\n"
                      "    <failover period=\"100ms\" handle_time=\"200ms\"/>"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "dep"}).exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "dep", "module.base_127.0.0.1") == "down"; }, 10s));
  auto waiting = node.wait_for_state("dep", "WAIT", "NotReady", 15s);
  INFO(waiting.dump());
  CHECK(waiting.value("reason", "").find("module_failure") != std::string::npos);

  REQUIRE(node.haven({"prim", "-m", "base"}).exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "dep", "module.base_127.0.0.1") == "up"; }, 15s));
  auto back = node.wait_for_state("dep", "ALONE", "Ready", 15s);
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
  CHECK(log_has(node, "dep", "Action wait called by failover rule module_failure"));
  CHECK(log_has(node, "dep", "module base on this node is ALONE Ready"));
}

TEST_CASE("a <module> checker stopstarts its module once when the module it watches restarts",
          "[integration][checks]") {
  HavenTestNode node;
  install(node, "base", {userconfig(""), recording_hooks()});
  // The default period and handle_time: module_failure does not act during base's short
  // stopstart, so what stopstarts dep is the restart itself.
  install(node, "dep",
          {userconfig("    <check>\n"
                      "      <module name=\"base\"><to addr=\"127.0.0.1\" interval=\"100ms\" timeout=\"2s\"/></module>\n"
                      "    </check>"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "base"}).exit_code == 0);
  REQUIRE(node.wait_for_state("base", "ALONE", "Ready", 15s).value("state", "") == "ALONE");
  REQUIRE(node.haven({"prim", "-m", "dep"}).exit_code == 0);
  REQUIRE(node.wait_for_state("dep", "ALONE", "Ready", 15s).value("state", "") == "ALONE");
  // dep's checker has seen base up: what it saw is the run a restart ends.
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "dep", "module.base_127.0.0.1") == "up"; }, 10s));
  CHECK_FALSE(log_has(node, "dep", "Action stopstart called by module checker"));

  auto stopstart = node.haven({"stopstart", "-m", "base"});
  INFO(stopstart.describe());
  REQUIRE(stopstart.exit_code == 0);
  const std::string action = "Action stopstart called by module checker module.base_127.0.0.1: module base on this "
                             "node restarted";
  REQUIRE(haven::test::wait_until([&] { return log_has(node, "dep", action); }, 15s));
  REQUIRE(haven::test::wait_until(
      [&] { return count_lines(read_lines(node.record_file("dep")), "start_prim") == 2; }, 20s));
  auto back = node.wait_for_state("dep", "ALONE", "Ready", 15s);
  INFO(back.dump() << "\n" << haven::test::slurp(node.module_log("dep")));
  CHECK(back.value("state", "") == "ALONE");
  CHECK(node.module_state("base").value("state", "") == "ALONE");
  // Its checker, started again with dep, sees base up in its new run: no second stopstart.
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "dep", "module.base_127.0.0.1") == "up"; }, 10s));
  long actions = 0;
  for (const auto& line : read_lines(node.module_log("dep")))
    if (line.find(action) != std::string::npos) ++actions;
  CHECK(actions == 1);
  const auto record = read_lines(node.record_file("dep"));
  CHECK(count_lines(record, "stop_prim ALONE WAIT stopstart") == 1);
  CHECK(count_lines(record, "start_prim") == 2);
}

TEST_CASE("a failover rule written in Lua acts as the text one does", "[integration][checks]") {
  HavenTestNode node;
  install(node, "lua",
          {userconfig("    <failover period=\"100ms\" handle_time=\"200ms\"><![CDATA[--Lua Rules\n"
                      "Rules = Rules + {db_down = if_then(\"custom.db\", \"down\", Action.stopstart), _group = \"checker\"}\n"
                      "Rules.disable(\"ip_failure\")\n"
                      "    ]]></failover>"),
           recording_hooks()});
  REQUIRE(node.haven({"prim", "-m", "lua"}).exit_code == 0);
  REQUIRE(node.haven({"set", "-r", "custom.db", "-v", "down", "-m", "lua"}).exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return log_has(node, "lua", "Action stopstart called by failover rule db_down"); },
                                  10s));
  auto back = node.wait_for_state("lua", "ALONE", "Ready", 15s);
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
  CHECK(count_lines(read_lines(node.record_file("lua")), "start_prim") == 2);
}

TEST_CASE("a custom checker written in Lua sets its resource through haven set, and its action runs",
          "[integration][checks]") {
  HavenTestNode node;
  auto hooks = recording_hooks();
  hooks["watch.lua"] =
      "local module, resource = ...\n"
      "haven.exec{ \"haven\", \"set\", \"-r\", resource, \"-v\", \"down\", \"-m\", module }\n"
      "while true do haven.sleep(10) end\n";
  install(node, "luacheck",
          {userconfig("    <check><custom ident=\"app\" exec=\"watch.lua\" action=\"stop\"/></check>\n"
                      "    <failover period=\"100ms\" handle_time=\"200ms\"/>"),
           hooks});
  REQUIRE(node.haven({"prim", "-m", "luacheck"}).exit_code == 0);
  auto stopped = node.wait_for_state("luacheck", "STOP", "", 20s);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");
  CHECK(log_has(node, "luacheck", "Resource custom.app set to down"));
  CHECK(log_has(node, "luacheck", "Action stop called by failover rule c_app"));
}
