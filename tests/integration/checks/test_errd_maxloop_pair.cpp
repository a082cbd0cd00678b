// errd on a mirror pair (two havend over loopback): the primary's application process dies,
// errd restarts it on the primary up to maxloop, the next death stops the module there
// ("Action stop called by maxloop") and the secondary takes over, ALONE, running the
// application; the stopped node comes back as its secondary when the administrator starts it. Each node's process carries its own marker, so neither node's hooks or errd
// ever see the other's.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>

#include "mirror_pair_nodes.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;
using haven::test::read_lines;

namespace {

// This binary's own ports (heartbeat; node-to-node is +50), apart from every other binary's.
constexpr int kErrdPair = 29541;
constexpr const char* kModule = "errdpair";

// `sleep MARK`, MARK a whole number of seconds unique to this test run and node.
std::string marker(int n) { return "9" + std::to_string(::getpid()) + std::to_string(n); }

long count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

long count_in_log(const HavenTestNode& node, const std::string& fragment) {
  const auto lines = read_lines(node.module_log(kModule));
  return std::count_if(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(fragment) != std::string::npos; });
}

std::string resource_value(const HavenTestNode& node, const std::string& resource) {
  for (const auto& r : node.module_state(kModule).value("resources", nlohmann::json::array()))
    if (r.value("resource", "") == resource) return r.value("value", "");
  return "";
}

bool application_runs(const HavenTestNode& node, int n) {
  return node.run({"/usr/bin/pgrep", "-f", "^sleep " + marker(n) + "$"}).exit_code == 0;
}

// The module: start_prim starts `sleep $ERRD_MARK` in the background, stop_prim kills it;
// errd watches it (atleast 1, action restart) while the node is primary. maxloop="2".
// ERRD_MARK comes from each node's havend environment, through a <user><var> (hooks inherit
// nothing else).
void install_errd_module(HavenTestNode& node, int heart_port) {
  const std::string userconfig =
      "<!DOCTYPE safe>\n<safe><service mode=\"mirror\" maxloop=\"2\" loop_interval=\"1h\">"
      "<heart port=\"" + std::to_string(heart_port) + "\" pulse=\"100ms\" timeout=\"1s\">"
      "<heartbeat name=\"default\"/></heart>"
      "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"><var name=\"ERRD_MARK\" value=\"%ERRD_MARK%\"/></user>"
      "<errd polltimer=\"200ms\">"
      "<proc name=\"sleep\" argregex=\"^%ERRD_MARK%$\" atleast=\"1\" action=\"restart\" class=\"prim\"/>"
      "</errd></service></safe>\n";
  // start_prim returns once the process is there, as a real application's start script would
  // (errd probes as soon as start_prim ends). In sh, a $ before a closing quote is a plain $:
  // the regex's end anchor.
  const std::string start =
      "haven.exec{ \"sh\", \"-c\", \"sleep $ERRD_MARK >/dev/null 2>&1 & "
      "until pgrep -f \\\"^sleep $ERRD_MARK$\\\" >/dev/null; do sleep 0.01; done\" }\n";
  const std::string stop = "haven.exec{ \"sh\", \"-c\", \"pkill -f \\\"^sleep $ERRD_MARK$\\\" || true\" }\n";
  auto archive = haven::test::pack_module(
      node.work_dir(), kModule,
      {userconfig, haven::test::recording_hooks({{"start_prim", start}, {"stop_prim", stop}})});
  auto r = node.haven({"module", "install", "-m", kModule, archive.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("errd restarts the primary's application up to maxloop, then the module stops there and the secondary "
          "takes over",
          "[integration][checks][errd]") {
  MirrorPairSettings settings;
  settings.heart_port = kErrdPair;
  settings.cluster_port = kErrdPair + 50;
  settings.node_env = {haven::test::Env{{"ERRD_MARK", marker(1)}}, haven::test::Env{{"ERRD_MARK", marker(2)}}};
  MirrorPairNodes pair(settings);
  HavenTestNode& node1 = pair.node1();
  HavenTestNode& node2 = pair.node2();
  install_errd_module(node1, kErrdPair);
  install_errd_module(node2, kErrdPair);

  REQUIRE(node2.haven({"start", "-m", kModule}).exit_code == 0);
  auto prim = node1.haven({"prim", "-m", kModule});
  INFO(prim.describe() << "\nnode1:\n" << haven::test::slurp(node1.module_log(kModule)) << "\nnode2:\n"
                       << haven::test::slurp(node2.module_log(kModule)));
  REQUIRE(prim.exit_code == 0);
  REQUIRE(node1.wait_for_state(kModule, "PRIM", "Ready", 20s).value("state", "") == "PRIM");
  REQUIRE(node2.wait_for_state(kModule, "SECOND", "Ready", 20s).value("state", "") == "SECOND");
  REQUIRE(haven::test::wait_until([&] { return resource_value(node1, "proc.sleep") == "up"; }, 10s));
  CHECK_FALSE(application_runs(node2, 2));

  // maxloop="2": two deaths are restarted on node1, which stays primary with node2 SECOND.
  for (int death = 1; death <= 2; ++death) {
    REQUIRE(node1.run({"/usr/bin/pkill", "-f", "^sleep " + marker(1) + "$"}).exit_code == 0);
    const bool restarted =
        haven::test::wait_until(
            [&] { return count_prefix(read_lines(node1.record_file(kModule)), "start_prim") == death + 1; }, 15s) &&
        haven::test::wait_until([&] { return resource_value(node1, "proc.sleep") == "up"; }, 10s);
    if (!restarted) FAIL("death " << death << " not restarted:\n" << haven::test::slurp(node1.module_log(kModule)));
    CHECK(application_runs(node1, 1));
    CHECK(node1.wait_for_state(kModule, "PRIM", "Ready", 10s).value("state", "") == "PRIM");
    CHECK(node2.module_state(kModule).value("state", "") == "SECOND");
  }
  CHECK(count_in_log(node1, "Action restart called by errd") == 2);

  // The third death within loop_interval is one detector action too many.
  REQUIRE(node1.run({"/usr/bin/pkill", "-f", "^sleep " + marker(1) + "$"}).exit_code == 0);
  auto stopped = node1.wait_for_state(kModule, "STOP", "", 30s);
  INFO(stopped.dump() << "\n" << haven::test::slurp(node1.module_log(kModule)));
  CHECK(stopped.value("state", "") == "STOP");
  // errd asked a third time; maxloop refused it and stopped the module instead.
  CHECK(count_in_log(node1, "Action restart called by errd") == 3);
  CHECK(count_in_log(node1, "Action stop called by maxloop: restart -i errd is detector action number 3") >= 1);

  auto alone = node2.wait_for_state(kModule, "ALONE", "Ready", 30s);
  INFO(alone.dump() << "\n" << haven::test::slurp(node2.module_log(kModule)));
  CHECK(alone.value("state", "") == "ALONE");
  CHECK(count_in_log(node2, "Action alone called by heart") == 1);
  CHECK(haven::test::wait_until([&] { return application_runs(node2, 2); }, 10s));
  CHECK_FALSE(application_runs(node1, 1));
  CHECK(haven::test::wait_until([&] { return resource_value(node2, "proc.sleep") == "up"; }, 10s));

  // node1 ran start_prim three times (the start, two restarts) and stopped; node2 once.
  const auto record1 = read_lines(node1.record_file(kModule));
  const auto record2 = read_lines(node2.record_file(kModule));
  CHECK(count_prefix(record1, "start_prim") == 3);
  CHECK(count_prefix(record1, "stop_prim") >= 3);
  CHECK(count_prefix(record2, "start_prim") == 1);
  INFO(haven::test::slurp(node1.record_file(kModule)));
  CHECK(node1.module_state(kModule).value("state", "") == "STOP");

  // The administrator's start brings node1 back, as the secondary of node2.
  auto start = node1.haven({"start", "-m", kModule});
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  CHECK(node1.wait_for_state(kModule, "SECOND", "Ready", 20s).value("state", "") == "SECOND");
  CHECK(node2.wait_for_state(kModule, "PRIM", "Ready", 20s).value("state", "") == "PRIM");
  CHECK_FALSE(application_runs(node1, 1));
}
