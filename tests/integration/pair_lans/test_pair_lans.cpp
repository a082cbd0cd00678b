// Two mirror modules on different pairs of a three-node cluster, side by side: "alpha" on
// node1+node2 (its <heartbeat name="node1-node2">), "beta" on node2+node3 (lan
// "node2-node3"); node2 runs both. The three havend start once for the whole binary.
#include <catch2/catch.hpp>

#include <thread>
#include <tuple>

#include "test_module.hpp"
#include "three_node_cluster.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairSettings;
using haven::test::PolledState;
using haven::test::ThreeNodeCluster;

namespace {

// This binary's ports: heartbeats 29701-29704, node-to-node 29750.
constexpr int kClusterPort = 29750;
constexpr int kAlphaPort = 29701;
constexpr int kBetaPort = 29702;
constexpr int kEveryLanPort = 29703;
constexpr int kAbsentPort = 29704;
const std::string kAlpha = "alpha";
const std::string kBeta = "beta";

MirrorPairSettings on_lan(int heart_port, const std::string& lan) {
  MirrorPairSettings s;
  s.heart_port = heart_port;
  s.cluster_port = kClusterPort;
  s.heartbeat_lan = lan;
  return s;
}

// The cluster with alpha and beta installed on their pairs, made on first use.
ThreeNodeCluster& cluster() {
  struct SideBySide {
    ThreeNodeCluster nodes{kClusterPort};
    SideBySide() {
      nodes.install(kAlpha, 41, on_lan(kAlphaPort, "node1-node2"), {1, 2});
      nodes.install(kBeta, 42, on_lan(kBetaPort, "node2-node3"), {2, 3});
    }
  };
  static SideBySide side_by_side;
  return side_by_side.nodes;
}

bool is(const PolledState& s, const std::string& state) { return s.state == state && s.substate == "Ready"; }

// The node (a or b) where the module is PRIM while the other is SECOND, both Ready; 0 otherwise.
int primary_of_pair(ThreeNodeCluster& c, const std::string& module, int a, int b) {
  const auto sa = c.poll(a, module);
  const auto sb = c.poll(b, module);
  if (is(sa, "PRIM") && is(sb, "SECOND")) return a;
  if (is(sb, "PRIM") && is(sa, "SECOND")) return b;
  return 0;
}

// The module paired on nodes a and b (as it is, or afresh: stop both, start b, prim on a);
// returns its primary node.
int pair_up(ThreeNodeCluster& c, const std::string& module, int a, int b) {
  if (int prim = primary_of_pair(c, module, a, b)) return prim;
  for (int n : {b, a}) {
    auto stop = c.command(n, "stop", module);
    INFO(stop.describe());
    REQUIRE(stop.exit_code == 0);
  }
  auto start = c.command(b, "start", module);
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  auto prim = c.command(a, "prim", module);
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  auto sa = c.node(a).wait_for_state(module, "PRIM", "Ready", 20s);
  auto sb = c.node(b).wait_for_state(module, "SECOND", "Ready", 20s);
  INFO(module << " on node" << a << ": " << sa.dump() << "\non node" << b << ": " << sb.dump());
  REQUIRE(sa.value("state", "") == "PRIM");
  REQUIRE(sb.value("state", "") == "SECOND");
  return a;
}

// Polls the pair for `window` (three heartbeat timeouts): the first poll where it was not
// PRIM/SECOND Ready, described; empty when it stayed so throughout.
std::string first_disturbance(ThreeNodeCluster& c, const std::string& module, int prim, int second,
                              std::chrono::milliseconds window = 3s) {
  const auto end = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < end) {
    const auto p = c.poll(prim, module);
    const auto s = c.poll(second, module);
    if (!is(p, "PRIM") || !is(s, "SECOND"))
      return module + ": node" + std::to_string(prim) + " " + p.state + " " + p.substate + ", node" +
             std::to_string(second) + " " + s.state + " " + s.substate;
    std::this_thread::sleep_for(100ms);
  }
  return "";
}

// The module neither moved (the generation read before) nor ran a hook on its two nodes.
void check_untouched(ThreeNodeCluster& c, const std::string& module, int prim, int second, std::int64_t generation) {
  CHECK(c.state(prim, module).value("generation", std::int64_t{-1}) == generation);
  for (int n : {prim, second}) {
    INFO(module << "'s hooks on node" << n);
    CHECK(c.take_hook_record(n, module).empty());
  }
}

}  // namespace

TEST_CASE("two mirror modules on different pairs of a three-node cluster both pair up, each with its own peer",
          "[integration][pair_lans]") {
  auto& c = cluster();
  const int alpha_prim = pair_up(c, kAlpha, 1, 2);
  const int beta_prim = pair_up(c, kBeta, 2, 3);
  CHECK(primary_of_pair(c, kAlpha, 1, 2) == alpha_prim);
  CHECK(primary_of_pair(c, kBeta, 2, 3) == beta_prim);
  for (const auto& [module, a, b] : {std::tuple{kAlpha, 1, 2}, std::tuple{kBeta, 2, 3}}) {
    auto sa = c.state(a, module);
    auto sb = c.state(b, module);
    INFO(module << " node" << a << " " << sa.dump() << "\nnode" << b << " " << sb.dump());
    CHECK(sa.value("generation", 0) == sb.value("generation", -1));
    CHECK(sa.value("uptodate", false));
    CHECK(sb.value("uptodate", false));
  }
  // node2 runs both: each agent heartbeats with its own pair's other node only.
  const auto alpha_log = haven::test::slurp(c.node(2).module_log(kAlpha));
  const auto beta_log = haven::test::slurp(c.node(2).module_log(kBeta));
  CHECK_THAT(alpha_log, Catch::Contains("heartbeats with node1"));
  CHECK_THAT(alpha_log, !Catch::Contains("heartbeats with node3"));
  CHECK_THAT(beta_log, Catch::Contains("heartbeats with node3"));
  CHECK_THAT(beta_log, !Catch::Contains("heartbeats with node1"));
}

TEST_CASE("stopping one module on the node both share leaves the other paired, its hooks untouched",
          "[integration][pair_lans]") {
  auto& c = cluster();
  const int alpha_prim = pair_up(c, kAlpha, 1, 2);
  const int beta_prim = pair_up(c, kBeta, 2, 3);
  const int alpha_second = alpha_prim == 1 ? 2 : 1;
  const int beta_second = beta_prim == 2 ? 3 : 2;
  const auto beta_generation = c.state(beta_prim, kBeta).value("generation", std::int64_t{0});
  for (int n : {2, 3}) c.take_hook_record(n, kBeta);

  // alpha stops on node2, where beta runs too: alpha's other node goes ALONE, beta stays.
  auto stop = c.command(2, "stop", kAlpha);
  INFO(stop.describe());
  REQUIRE(stop.exit_code == 0);
  const int alpha_left = 2 == alpha_prim ? alpha_second : alpha_prim;
  CHECK(c.node(alpha_left).wait_for_state(kAlpha, "ALONE", "Ready", 10s).value("state", "") == "ALONE");
  CHECK(first_disturbance(c, kBeta, beta_prim, beta_second) == "");

  // alpha comes back on node2 and pairs again; beta still does not notice.
  auto start = c.command(2, "start", kAlpha);
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  CHECK(c.node(2).wait_for_state(kAlpha, "SECOND", "Ready", 20s).value("state", "") == "SECOND");
  CHECK(c.node(alpha_left).wait_for_state(kAlpha, "PRIM", "Ready", 10s).value("state", "") == "PRIM");
  CHECK(first_disturbance(c, kBeta, beta_prim, beta_second, 1s) == "");

  check_untouched(c, kBeta, beta_prim, beta_second, beta_generation);
}

TEST_CASE("a failover of one module leaves the module of the neighbouring pair paired", "[integration][pair_lans]") {
  auto& c = cluster();
  const int alpha_prim = pair_up(c, kAlpha, 1, 2);
  const int beta_prim = pair_up(c, kBeta, 2, 3);
  const int alpha_second = alpha_prim == 1 ? 2 : 1;
  const int beta_second = beta_prim == 2 ? 3 : 2;
  const auto alpha_generation = c.state(alpha_prim, kAlpha).value("generation", std::int64_t{0});
  for (int n : {1, 2}) c.take_hook_record(n, kAlpha);

  // beta's primary stops: its secondary takes over alone.
  auto stop = c.command(beta_prim, "stop", kBeta);
  INFO(stop.describe());
  REQUIRE(stop.exit_code == 0);
  CHECK(c.node(beta_second).wait_for_state(kBeta, "ALONE", "Ready", 10s).value("state", "") == "ALONE");
  CHECK(first_disturbance(c, kAlpha, alpha_prim, alpha_second) == "");
  check_untouched(c, kAlpha, alpha_prim, alpha_second, alpha_generation);

  // beta's stopped node rejoins as secondary.
  auto start = c.command(beta_prim, "start", kBeta);
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  CHECK(c.node(beta_prim).wait_for_state(kBeta, "SECOND", "Ready", 20s).value("state", "") == "SECOND");
}

TEST_CASE("a module whose lans hold three nodes is refused at start, naming its lans, the nodes and the fix",
          "[integration][pair_lans]") {
  auto& c = cluster();
  c.install("everylan", 43, on_lan(kEveryLanPort, ""), {1});
  auto r = c.command(1, "start", "everylan");
  INFO(r.describe());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("module everylan runs on two nodes"));
  CHECK_THAT(r.err, Catch::Contains("its lans \"default\", \"node1-node2\", \"node2-node3\""));
  CHECK_THAT(r.err, Catch::Contains("3 nodes (node1, node2, node3)"));
  CHECK_THAT(r.err, Catch::Contains("give each pair of nodes a lan of its own"));
  CHECK(c.poll(1, "everylan").state == "STOP");
}

TEST_CASE("a module started on a node that is not on its heartbeat lan is refused, saying which nodes are",
          "[integration][pair_lans]") {
  auto& c = cluster();
  c.install("absent", 44, on_lan(kAbsentPort, "node1-node2"), {3});
  auto r = c.command(3, "start", "absent");
  INFO(r.describe());
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("node node3 is not on module absent's heartbeat lan \"node1-node2\""));
  CHECK_THAT(r.err, Catch::Contains("(nodes there: node1, node2)"));
  CHECK(c.poll(3, "absent").state == "STOP");
}
