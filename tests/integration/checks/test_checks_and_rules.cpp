// A module's checkers and failover rules at work on one node: process monitoring restarts
// the application, a failing tcp checker triggers its rule until maxloop stops the module,
// a custom resource set by a script triggers the administrator's rule, and a wait() rule
// holds the module and lets it go.
#include <unistd.h>

#include <catch2/catch.hpp>

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
  const std::string start = "haven.exec{ \"sh\", \"-c\", \"sleep " + marker + " >/dev/null 2>&1 &\" }\n";
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
