// Checkers own their configuration: the SDK's example checker is attached to a module by its
// element alone (no table of the core names it), its resource drives a failover rule whose
// label prefix it declares; a plugin's findings reach `haven config check` and `haven module
// install` with their file and line; errd action="<handler>" runs the module's handler.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "haven_test_node.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::pack_module;
using haven::test::read_lines;
using haven::test::recording_hooks;

namespace {

std::string userconfig(const std::string& service_children) {
  return "<!DOCTYPE safe>\n<safe>\n  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"3\" loop_interval=\"24h\">\n"
         "    <heart pulse=\"700ms\" timeout=\"30s\"><heartbeat name=\"default\" ident=\"flow\"/></heart>\n" +
         service_children + "\n    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n  </service>\n</safe>\n";
}

// havend and every command see the example plugin's folder, as after `export HAVEN_PLUGIN_PATH=...`.
haven::test::Env with_example_plugin() { return {{"HAVEN_PLUGIN_PATH", std::string(HAVEN_EXAMPLE_PLUGIN_DIR)}}; }

bool log_has(const HavenTestNode& node, const std::string& module, const std::string& fragment) {
  for (const auto& line : read_lines(node.module_log(module)))
    if (line.find(fragment) != std::string::npos) return true;
  return false;
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

TEST_CASE("the SDK's example checker, attached by its element alone, sets file.<ident> and its rule f_<ident> holds "
          "the module in WAIT until the file is back",
          "[integration][checks]") {
  HavenTestNode node("node1", "", with_example_plugin());
  const auto ready = node.work_dir() / "app.ready";
  std::ofstream(ready) << "ready\n";
  auto safe = pack_module(node.work_dir(), "fw",
                          {userconfig("    <check>\n"
                                      "      <file ident=\"ready\" path=\"" + ready.string() +
                                          "\" interval=\"100ms\" timeout=\"100ms\"/>\n"
                                      "    </check>\n"
                                      "    <failover period=\"100ms\" handle_time=\"200ms\"/>"),
                           recording_hooks()});
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  REQUIRE(node.haven({"prim", "-m", "fw"}).exit_code == 0);
  REQUIRE(node.wait_for_state("fw", "ALONE", "Ready", 15s).value("state", "") == "ALONE");
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "fw", "file.ready") == "up"; }, 10s));

  std::filesystem::remove(ready);
  auto waiting = node.wait_for_state("fw", "WAIT", "NotReady", 15s);
  INFO(waiting.dump());
  CHECK(waiting.value("state", "") == "WAIT");
  CHECK(waiting.value("reason", "").find("rule f_ready holds the module") != std::string::npos);
  CHECK(resource_value(node, "fw", "file.ready") == "down");
  CHECK(log_has(node, "fw", "Resource file.ready set to down by filecheck: " + ready.string() + " is missing"));
  CHECK(log_has(node, "fw", "Action wait called by failover rule f_ready"));

  // when="pre" by the plugin's default: it keeps probing in WAIT and lets the module go.
  std::ofstream(ready) << "ready again\n";
  auto back = node.wait_for_state("fw", "ALONE", "Ready", 15s);
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
}

TEST_CASE("a checker plugin's findings reach config check and install with the file and line, and an element no "
          "plugin owns is refused",
          "[integration][checks]") {
  HavenTestNode node("node1", "", with_example_plugin());
  const std::string config = userconfig(
      "    <check>\n"
      "      <file ident=\"ready\" path=\"app.ready\" colour=\"blue\"/>\n"
      "      <tcp ident=\"web\"><to addr=\"127.0.0.1\" port=\"99999\"/></tcp>\n"
      "    </check>");
  const auto file = node.work_dir() / "userconfig.xml";
  std::ofstream(file) << config;
  auto checked = node.haven({"config", "check", file.string()});
  INFO(checked.describe());
  CHECK(checked.exit_code == 1);
  CHECK(checked.out.find(file.string() + ":6: error: safe/service/check/file@path: has path=\"app.ready\", which is "
                         "relative; expected an absolute path") != std::string::npos);
  CHECK(checked.out.find(file.string() + ":6: warning: safe/service/check/file@colour: unknown attribute of <file>") !=
        std::string::npos);
  CHECK(checked.out.find(file.string() + ":7: error: safe/service/check/tcp/to@port: has port=\"99999\", expected a "
                         "TCP port number from 1 to 65535") != std::string::npos);

  auto json = node.haven_json({"config", "check", file.string()});
  INFO(json.dump());
  CHECK(json.value("ok", true) == false);

  auto safe = pack_module(node.work_dir(), "bad", {config, recording_hooks()});
  auto refused = node.haven({"module", "install", safe.string()});
  INFO(refused.describe());
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("bad.safe!conf/userconfig.xml:6: error: safe/service/check/file@path") != std::string::npos);

  // Without the example plugin, nothing owns <file>: the core has no table to fall back on.
  HavenTestNode bare;
  const auto alone = bare.work_dir() / "userconfig.xml";
  std::ofstream(alone) << userconfig("    <check>\n      <file ident=\"ready\" path=\"/run/app.ready\"/>\n    </check>");
  auto unknown = bare.haven({"config", "check", alone.string()});
  INFO(unknown.describe());
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find(alone.string() + ":6: error: safe/service/check/file: no checker plugin owns <file> inside "
                         "<check>") != std::string::npos);
}

TEST_CASE("errd action=\"<handler>\" runs the module's handler with the module and the resource, instead of a "
          "standard action",
          "[integration][checks]") {
  HavenTestNode node;
  const std::string marker = "301." + std::to_string(::getpid());
  const std::string start = "haven.exec{ \"sh\", \"-c\", \"sleep " + marker + " >/dev/null 2>&1 & until pgrep -f '^sleep " +
                            marker + "$' >/dev/null; do sleep 0.01; done\" }\n";
  const std::string stop = "haven.exec{ \"sh\", \"-c\", \"pkill -f '^sleep " + marker + "$' || true\" }\n";
  auto hooks = recording_hooks({{"start_prim", start}, {"stop_prim", stop}});
  hooks["on_sleep_down.sh"] = "#!/bin/sh\necho \"$1 $2\" >> \"$SAFEUSERVAR/handler_runs\"\n";
  auto safe = pack_module(node.work_dir(), "hnd",
                          {userconfig("    <errd polltimer=\"200ms\">\n"
                                      "      <proc name=\"sleep\" argregex=\"^" + marker.substr(0, 3) + "\\." +
                                          marker.substr(4) + "$\" atleast=\"1\" action=\"on_sleep_down\" class=\"prim\"/>\n"
                                      "    </errd>"),
                           hooks});
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  REQUIRE(node.haven({"prim", "-m", "hnd"}).exit_code == 0);
  REQUIRE(haven::test::wait_until([&] { return resource_value(node, "hnd", "proc.sleep") == "up"; }, 10s));

  REQUIRE(node.run({"/usr/bin/pkill", "-f", "^sleep " + marker + "$"}).exit_code == 0);
  const auto runs = node.record_file("hnd").parent_path() / "handler_runs";
  REQUIRE(haven::test::wait_until([&] { return !read_lines(runs).empty(); }, 10s));
  CHECK(read_lines(runs).front() == "hnd proc.sleep");
  CHECK(log_has(node, "hnd", "Action on_sleep_down called by errd"));
  // The handler decides: haven neither restarts nor stops the module, and runs it once per fall.
  std::this_thread::sleep_for(1s);
  CHECK(read_lines(runs).size() == 1);
  CHECK(node.module_state("hnd").value("state", "") == "ALONE");
  CHECK(resource_value(node, "hnd", "proc.sleep") == "down");
  CHECK_FALSE(log_has(node, "hnd", "Action restart called by errd"));
}
