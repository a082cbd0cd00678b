// Two nodes on one machine (node1 at 127.0.0.1, node2 at 127.0.0.2), each with its own
// havend and root, pairing over real authenticated heartbeats.
#include <signal.h>

#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "test_module.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::pack_module;

namespace {

const std::string kCluster =
    "<cluster><lans><lan name=\"default\">"
    "<node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
    "</lan></lans></cluster>\n";

// A fast heartbeat on a port of its own, and hooks that record their calls.
std::string pair_userconfig() {
  return "<!DOCTYPE safe>\n<safe><service mode=\"mirror\">"
         "<heart port=\"28871\" pulse=\"100ms\" timeout=\"1s\"><heartbeat name=\"default\"/></heart>"
         "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/></service></safe>\n";
}

void install_pair_module(const HavenTestNode& node) {
  auto archive = pack_module(node.work_dir(), "pair", {pair_userconfig(), haven::test::recording_hooks()});
  auto r = node.haven({"module", "install", "-m", "pair", archive.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("two nodes pair as PRIM and SECOND, the SECOND takes over when the primary's agent is killed, "
          "and the old primary rejoins as SECOND",
          "[integration][pair]") {
  HavenTestNode a("node1", kCluster);
  HavenTestNode b("node2", kCluster);
  REQUIRE(a.haven({"cluster", "genkey"}).exit_code == 0);
  std::filesystem::copy_file(a.paths().cluster_key(), b.paths().cluster_key());
  std::filesystem::permissions(b.paths().cluster_key(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  install_pair_module(a);
  install_pair_module(b);

  REQUIRE(a.haven({"prim", "-m", "pair"}, {}, 30s).exit_code == 0);
  auto second = b.haven({"second", "-m", "pair"}, {}, 30s);
  INFO(second.describe());
  REQUIRE(second.exit_code == 0);
  CHECK(b.wait_for_state("pair", "SECOND", "Ready", 10s).value("state", "") == "SECOND");
  CHECK(a.wait_for_state("pair", "PRIM", "Ready", 10s).value("state", "") == "PRIM");

  const int primary_agent = a.module_state("pair").value("pid", 0);
  REQUIRE(primary_agent > 0);
  ::kill(primary_agent, SIGKILL);
  auto alone = b.wait_for_state("pair", "ALONE", "Ready", 10s);
  INFO(alone.dump());
  CHECK(alone.value("state", "") == "ALONE");
  CHECK_THAT(haven::test::slurp(b.module_log("pair")), Catch::Contains("peer node1 lost"));

  REQUIRE(a.haven({"start", "-m", "pair"}, {}, 30s).exit_code == 0);
  CHECK(a.wait_for_state("pair", "SECOND", "Ready", 10s).value("state", "") == "SECOND");
  CHECK(b.wait_for_state("pair", "PRIM", "Ready", 10s).value("state", "") == "PRIM");
  CHECK(a.module_state("pair").value("generation", 0) == b.module_state("pair").value("generation", 0));
}

TEST_CASE("a node without the cluster key is not part of the cluster: its module refuses to start",
          "[integration][pair]") {
  HavenTestNode b("node2", kCluster);
  install_pair_module(b);
  auto r = b.haven({"start", "-m", "pair"}, {}, 30s);
  INFO(r.describe());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("cluster key") && Catch::Contains("haven cluster genkey"));
}
