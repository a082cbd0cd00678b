// What must not happen with two nodes: a node with another cluster key joining, a node
// without a key starting. (A stale secondary taking over: tests/integration/replication.)
#include <algorithm>
#include <catch2/catch.hpp>

#include "mirror_pair_nodes.hpp"
#include "pair_ports.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;
namespace ports = haven::test::ports;


TEST_CASE("a node with another cluster key never joins: each stays as if alone, and the drops are logged",
          "[integration][pair]") {
  MirrorPairSettings settings;
  settings.heart_port = ports::kWrongKey;
  settings.cluster_port = ports::cluster_port(ports::kWrongKey);
  settings.same_key = false;
  MirrorPairNodes pair(settings);

  auto prim = pair.command(1, "prim");
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  REQUIRE(pair.wait_for(1, "ALONE", "Ready").value("state", "") == "ALONE");
  auto start = pair.command(2, "start");
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);

  // Each node's heartbeats reach the other every 100 ms: both must report dropping them.
  for (int n : {1, 2}) {
    const bool logged = haven::test::wait_until(
        [&] { return pair.module_log(n).find("dropped") != std::string::npos; }, 10s, 50ms);
    INFO("node" << n << " log:\n" << pair.module_log(n));
    CHECK(logged);
    CHECK_THAT(pair.module_log(n), Catch::Contains("other_cluster") || Catch::Contains("bad_mac"));
    CHECK_THAT(pair.module_log(n), !Catch::Contains("heartbeat from node"));
  }
  auto s1 = pair.state(1);
  auto s2 = pair.state(2);
  INFO("node1 " << s1.dump() << "\nnode2 " << s2.dump());
  CHECK(s1.value("state", "") == "ALONE");
  CHECK(s2.value("state", "") == "WAIT");
  CHECK(s2.value("substate", "") == "NotReady");
}

TEST_CASE("a node without the cluster key is not part of the cluster: its module refuses to start",
          "[integration][pair]") {
  haven::test::HavenTestNode b("node2", MirrorPairNodes::cluster_xml(ports::cluster_port(ports::kNoKey)));
  MirrorPairSettings settings;
  settings.heart_port = ports::kNoKey;
  auto archive = haven::test::pack_module(b.work_dir(), MirrorPairNodes::kModule,
                                          {MirrorPairNodes::userconfig(settings), haven::test::recording_hooks()});
  REQUIRE(b.haven({"module", "install", "-m", MirrorPairNodes::kModule, archive.string()}).exit_code == 0);
  auto r = b.haven({"start", "-m", MirrorPairNodes::kModule}, {}, 30s);
  INFO(r.describe());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("cluster key") && Catch::Contains("haven cluster genkey"));
}
