// What must not happen with two nodes: a stale secondary taking over, a node with another
// cluster key joining, a node without a key starting.
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

namespace {

bool ran(const std::vector<std::string>& record, const std::string& hook) {
  return std::any_of(record.begin(), record.end(), [&](const std::string& l) { return l.rfind(hook + " ", 0) == 0; });
}

}  // namespace

TEST_CASE("a secondary whose data is not up to date does not take over when the primary's agent dies",
          "[integration][pair]") {
  MirrorPairSettings settings;
  settings.heart_port = ports::kStale;
  settings.cluster_port = ports::cluster_port(ports::kStale);
  // Replicated data that nothing copies yet: the SECOND never gets in sync, it stays stale.
  settings.service_children = "<rfs><replicated dir=\"/tmp/hvpair-stale-data\"/></rfs>";
  MirrorPairNodes pair(settings);

  REQUIRE(pair.command(2, "start").exit_code == 0);
  auto prim = pair.command(1, "prim");
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  REQUIRE(pair.wait_for(1, "PRIM", "Ready").value("state", "") == "PRIM");
  auto second = pair.wait_for(2, "SECOND", "");
  INFO("node2 " << second.dump());
  REQUIRE(second.value("state", "") == "SECOND");
  CHECK(second.value("substate", "") == "Transient");
  CHECK_FALSE(second.value("uptodate", true));
  pair.take_hook_record(2);

  REQUIRE(pair.kill_agent(1));
  auto waiting = pair.wait_for(2, "WAIT", "NotReady");
  INFO("node2 " << waiting.dump() << "\nnode2 log:\n" << pair.module_log(2));
  CHECK(waiting.value("state", "") == "WAIT");
  CHECK(waiting.value("substate", "") == "NotReady");
  CHECK_THAT(waiting.value("reason", ""), Catch::Contains("not be up to date"));
  CHECK_FALSE(waiting.value("uptodate", true));
  const auto record = pair.take_hook_record(2);
  CHECK_FALSE(ran(record, "start_prim"));
  CHECK(ran(record, "stop_second"));

  // Only the administrator can accept the loss: prim is refused, prim --force (primforce) is not.
  auto refused = pair.command(2, "prim");
  INFO(refused.describe());
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("primforce"));
  auto forced = pair.command(2, "prim", {"--force"});
  INFO(forced.describe());
  REQUIRE(forced.exit_code == 0);
  auto alone = pair.wait_for(2, "ALONE", "Ready");
  CHECK(alone.value("state", "") == "ALONE");
  CHECK(alone.value("uptodate", false));
}

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
