// A <module> checker watching a module on the other node (two havend over loopback): node1's
// module "dep" watches module "base" on node2 through havend's signed relay, and is
// stopstarted once when base restarts there.
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

// This binary's own ports: the pair's (unused) module 29542, base 29543, dep 29544;
// node-to-node 29592.
constexpr int kPairPort = 29542;
constexpr int kBasePort = 29543;
constexpr int kDepPort = 29544;

// A mirror module installed on one node only: its peer never answers, so it goes ALONE.
void install(HavenTestNode& node, const std::string& name, int heart_port, const std::string& children) {
  const std::string userconfig =
      "<!DOCTYPE safe>\n<safe><service mode=\"mirror\">"
      "<heart port=\"" + std::to_string(heart_port) + "\" pulse=\"100ms\" timeout=\"1s\">"
      "<heartbeat name=\"default\"/></heart>"
      "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>" + children + "</service></safe>\n";
  auto archive = haven::test::pack_module(node.work_dir(), name, {userconfig, haven::test::recording_hooks()});
  auto r = node.haven({"module", "install", "-m", name, archive.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

std::string resource_value(const HavenTestNode& node, const std::string& module, const std::string& resource) {
  for (const auto& r : node.module_state(module).value("resources", nlohmann::json::array()))
    if (r.value("resource", "") == resource) return r.value("value", "");
  return "";
}

long count_in(const std::vector<std::string>& lines, const std::string& fragment) {
  return std::count_if(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(fragment) != std::string::npos; });
}

}  // namespace

TEST_CASE("a <module> checker stopstarts its module when the module it watches on the other node restarts",
          "[integration][checks]") {
  MirrorPairSettings settings;
  settings.heart_port = kPairPort;
  settings.cluster_port = kPairPort + 50;
  MirrorPairNodes pair(settings);
  HavenTestNode& node1 = pair.node1();
  HavenTestNode& node2 = pair.node2();
  install(node2, "base", kBasePort, "");
  install(node1, "dep", kDepPort,
          "<check><module name=\"base\"><to addr=\"127.0.0.2\" interval=\"100ms\" timeout=\"2s\"/></module></check>");

  REQUIRE(node2.haven({"prim", "-m", "base"}).exit_code == 0);
  REQUIRE(node2.wait_for_state("base", "ALONE", "Ready", 20s).value("state", "") == "ALONE");
  REQUIRE(node1.haven({"prim", "-m", "dep"}).exit_code == 0);
  REQUIRE(node1.wait_for_state("dep", "ALONE", "Ready", 20s).value("state", "") == "ALONE");
  const std::string resource = "module.base_127.0.0.2";
  REQUIRE(haven::test::wait_until([&] { return resource_value(node1, "dep", resource) == "up"; }, 10s));

  auto stopstart = node2.haven({"stopstart", "-m", "base"});
  INFO(stopstart.describe());
  REQUIRE(stopstart.exit_code == 0);
  const std::string action =
      "Action stopstart called by module checker " + resource + ": module base on node node2 restarted";
  const bool acted = haven::test::wait_until(
      [&] { return count_in(read_lines(node1.module_log("dep")), action) == 1; }, 15s);
  INFO(haven::test::slurp(node1.module_log("dep")));
  REQUIRE(acted);
  REQUIRE(haven::test::wait_until(
      [&] { return count_in(read_lines(node1.record_file("dep")), "start_prim") == 2; }, 20s));
  CHECK(node1.wait_for_state("dep", "ALONE", "Ready", 20s).value("state", "") == "ALONE");
  REQUIRE(haven::test::wait_until([&] { return resource_value(node1, "dep", resource) == "up"; }, 10s));
  CHECK(count_in(read_lines(node1.module_log("dep")), action) == 1);
  CHECK(count_in(read_lines(node1.record_file("dep")), "stop_prim ALONE WAIT stopstart") == 1);
}
