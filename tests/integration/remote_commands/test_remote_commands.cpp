// `haven -H NODES cmd`: the same command run on each node through its havend, authenticated
// with the cluster key, with two havend on one machine (node1 at 127.0.0.1, node2 at 127.0.0.2).
#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "test_module.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;

namespace {

const std::string kCluster =
    "<cluster><lans port=\"29150\"><lan name=\"default\">"
    "<node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
    "</lan></lans></cluster>\n";

// node3 is in cluster.xml but no havend runs there.
const std::string kClusterWithAbsentNode =
    "<cluster><lans port=\"29150\"><lan name=\"default\">"
    "<node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
    "<node name=\"node3\" addr=\"127.0.0.3\"/>"
    "</lan></lans></cluster>\n";

std::string remote_userconfig() {
  return "<!DOCTYPE safe>\n<safe><service mode=\"mirror\">"
         "<heart port=\"29151\" pulse=\"100ms\" timeout=\"1s\"><heartbeat name=\"default\"/></heart>"
         "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/></service></safe>\n";
}

void install_module(const HavenTestNode& node) {
  auto archive = haven::test::pack_module(node.work_dir(), "web", {remote_userconfig(), haven::test::recording_hooks()});
  auto r = node.haven({"module", "install", "-m", "web", archive.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

void share_key(const HavenTestNode& from, const HavenTestNode& to) {
  std::filesystem::copy_file(from.paths().cluster_key(), to.paths().cluster_key(),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(to.paths().cluster_key(),
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

nlohmann::json parse_json(const haven::test::CommandResult& r) {
  INFO(r.describe());
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("haven -H \"*\" state --json shows every node's state, role, generation and up-to-date flag",
          "[integration][remote]") {
  HavenTestNode a("node1", kCluster);
  HavenTestNode b("node2", kCluster);
  REQUIRE(a.haven({"cluster", "genkey"}).exit_code == 0);
  share_key(a, b);
  install_module(a);
  install_module(b);

  auto r = a.haven({"state", "-H", "*", "--json"});
  CHECK(r.exit_code == 0);
  auto all = parse_json(r);
  for (const char* node : {"node1", "node2"}) {
    INFO(node << ": " << all.dump());
    REQUIRE(all.contains(node));
    REQUIRE(all[node].is_array());
    REQUIRE(all[node].size() == 1);
    const auto& m = all[node][0];
    CHECK(m.value("module", "") == "web");
    CHECK(m.value("node", "") == node);
    CHECK(m.value("state", "") == "STOP");
    CHECK(m.contains("role"));
    CHECK(m.contains("generation"));
    CHECK(m.contains("uptodate"));
    CHECK(all["exit_codes"][node] == 0);
  }

  auto text = a.haven({"-H", "node2,node1", "state"});
  INFO(text.describe());
  CHECK(text.exit_code == 0);
  const auto second_header = text.out.find("=== node1 ===");
  CHECK(text.out.find("=== node2 ===") < second_header);
  CHECK(second_header != std::string::npos);
}

TEST_CASE("haven -H node2 start runs the start on node2 only, and node2's havend logs who asked",
          "[integration][remote]") {
  HavenTestNode a("node1", kCluster);
  HavenTestNode b("node2", kCluster);
  REQUIRE(a.haven({"cluster", "genkey"}).exit_code == 0);
  share_key(a, b);
  install_module(a);
  install_module(b);

  auto r = a.haven({"-H", "node2", "start", "-m", "web"}, {}, 60s);
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("=== node2 ===") && Catch::Contains("web"));
  CHECK(b.module_state("web").value("state", "STOP") != "STOP");
  CHECK(a.module_state("web").value("state", "") == "STOP");
  CHECK_THAT(haven::test::slurp(b.paths().daemon_log()), Catch::Contains("\"start\" -m web from node node1 (remote)"));

  // Nobody is up to date before the first prim: the administrator runs it on node2, from node1.
  auto prim = a.haven({"-H", "node2", "prim", "-m", "web"}, {}, 60s);
  INFO(prim.describe());
  CHECK(prim.exit_code == 0);
  CHECK(b.wait_for_state("web", "ALONE", "Ready", 10s).value("state", "") == "ALONE");

  // Waiting commands poll through the relay, and -H stop stops it there.
  auto wait = a.haven({"-H", "node2", "waitstate", "ALONE", "-m", "web", "--timeout", "20"}, {}, 30s);
  INFO(wait.describe());
  CHECK(wait.exit_code == 0);
  auto stop = a.haven({"-H", "node2", "stop", "-m", "web"}, {}, 60s);
  INFO(stop.describe());
  CHECK(stop.exit_code == 0);
  CHECK(b.module_state("web").value("state", "") == "STOP");
}

TEST_CASE("a node holding another cluster key refuses remote commands, and is reported as such",
          "[integration][remote]") {
  HavenTestNode a("node1", kCluster);
  HavenTestNode b("node2", kCluster);
  REQUIRE(a.haven({"cluster", "genkey"}).exit_code == 0);
  REQUIRE(b.haven({"cluster", "genkey"}).exit_code == 0);
  install_module(b);

  auto one = a.haven({"-H", "node2", "start", "-m", "web"}, {}, 30s);
  INFO(one.describe());
  CHECK(one.exit_code != 0);
  CHECK_THAT(one.err, Catch::Contains("node2") && Catch::Contains("cluster key"));
  CHECK(b.module_state("web").value("state", "") == "STOP");

  auto all = a.haven({"-H", "*", "--json", "state"});
  CHECK(all.exit_code != 0);
  auto j = parse_json(all);
  CHECK(j["exit_codes"]["node1"] == 0);
  CHECK(j["exit_codes"]["node2"] != 0);
  CHECK(j["node2"].value("ok", true) == false);
  CHECK_THAT(j["node2"]["error"].value("message", ""), Catch::Contains("cluster key"));
  CHECK_THAT(haven::test::slurp(b.paths().daemon_log()), Catch::Contains("other_cluster"));
}

TEST_CASE("an unreachable node is named with the addresses tried, and -H refuses nodes and commands it cannot run",
          "[integration][remote]") {
  HavenTestNode a("node1", kClusterWithAbsentNode);
  REQUIRE(a.haven({"cluster", "genkey"}).exit_code == 0);

  auto r = a.haven({"-H", "node3", "state"}, {}, 30s);
  INFO(r.describe());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("node3 is unreachable") && Catch::Contains("127.0.0.3:29150"));

  auto unknown = a.haven({"-H", "node9", "state"});
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.err, Catch::Contains("node9") && Catch::Contains("node1, node2, node3"));

  auto local_only = a.haven({"-H", "*", "module", "list"});
  CHECK(local_only.exit_code != 0);
  CHECK_THAT(local_only.err, Catch::Contains("\"module\"") && Catch::Contains("run it on each node"));
}
