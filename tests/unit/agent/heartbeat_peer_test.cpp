// Which node a two-node module heartbeats with on a cluster of any size: the one other node
// on its heartbeat lans, and the refusals that say how to lay the lans out.
#include <catch2/catch.hpp>

#include "agent/heartbeat_peer.hpp"

using haven::choose_heartbeat_peer;
using haven::HeartbeatPeer;

namespace {

haven::config::ClusterConfig cluster(const std::string& lans) {
  auto loaded = haven::config::parse_cluster_config("<cluster><lans>" + lans + "</lans></cluster>", "cluster.xml", {});
  REQUIRE(loaded.config);
  return *loaded.config;
}

// 127.0.0.1-3 on a lan with every node, and one lan per pair (one of them by DNS name).
const char* const kThreeNodes =
    "<lan name=\"default\"><node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
    "<node name=\"node3\" addr=\"127.0.0.3\"/></lan>"
    "<lan name=\"lanAB\"><node name=\"node1\" addr=\"localhost\"/><node name=\"node2\" addr=\"127.0.0.2\"/></lan>"
    "<lan name=\"lanBC\"><node name=\"node2\" addr=\"127.0.1.2\"/><node name=\"node3\" addr=\"127.0.1.3\"/></lan>";

const std::string kFile = "/etc/haven/cluster.xml";

}  // namespace

TEST_CASE("a two-node cluster without <heartbeat>: the other node on every lan, as before", "[agent][peer]") {
  auto c = cluster(
      "<lan name=\"default\"><node name=\"node1\" addr=\"10.0.0.1\"/><node name=\"node2\" addr=\"10.0.0.2\"/></lan>"
      "<lan name=\"repli\"><node name=\"node1\" addr=\"[2001:db8::1]\"/><node name=\"node2\" addr=\"n2.example.com\"/></lan>");
  auto peer = choose_heartbeat_peer(c, {}, "node2", "am", kFile);
  REQUIRE(peer.ok());
  REQUIRE(peer->has_value());
  const HeartbeatPeer& p = **peer;
  CHECK(p.node == "node1");
  REQUIRE(p.lans.size() == 2);
  CHECK(p.lans[0].lan == "default");
  CHECK(p.lans[0].local_addr == "10.0.0.2");
  CHECK(p.lans[0].peer_addr == "10.0.0.1");
  CHECK(p.lans[1].lan == "repli");
  CHECK(p.lans[1].local_addr == "n2.example.com");
  CHECK(p.lans[1].peer_addr == "[2001:db8::1]");
}

TEST_CASE("on a three-node cluster each module's pair lan names its peer, and only that lan is used", "[agent][peer]") {
  auto c = cluster(kThreeNodes);
  auto a_on_2 = choose_heartbeat_peer(c, {"lanAB"}, "node2", "A", kFile);
  REQUIRE(a_on_2.ok());
  REQUIRE(a_on_2->has_value());
  CHECK((*a_on_2)->node == "node1");
  REQUIRE((*a_on_2)->lans.size() == 1);
  CHECK((*a_on_2)->lans[0].lan == "lanAB");
  CHECK((*a_on_2)->lans[0].peer_addr == "localhost");

  auto b_on_2 = choose_heartbeat_peer(c, {"lanBC"}, "node2", "B", kFile);
  REQUIRE(b_on_2.ok());
  REQUIRE(b_on_2->has_value());
  CHECK((*b_on_2)->node == "node3");
  CHECK((*b_on_2)->lans[0].local_addr == "127.0.1.2");
  CHECK((*b_on_2)->lans[0].peer_addr == "127.0.1.3");

  auto b_on_3 = choose_heartbeat_peer(c, {"lanBC"}, "node3", "B", kFile);
  REQUIRE(b_on_3.ok());
  REQUIRE(b_on_3->has_value());
  CHECK((*b_on_3)->node == "node2");
}

TEST_CASE("lans holding more than one other node are refused, naming the module, the lans, the nodes and the fix",
          "[agent][peer]") {
  auto c = cluster(kThreeNodes);
  SECTION("no <heartbeat>: every lan of cluster.xml") {
    auto r = choose_heartbeat_peer(c, {}, "node1", "A", kFile);
    REQUIRE_FALSE(r.ok());
    const auto& m = r.error().message;
    CHECK_THAT(m, Catch::Contains("module A runs on two nodes"));
    CHECK_THAT(m, Catch::Contains("its lans \"default\", \"lanAB\", \"lanBC\" (every lan of cluster.xml: the module has no "
                                  "<heartbeat name>)"));
    CHECK_THAT(m, Catch::Contains(kFile));
    CHECK_THAT(m, Catch::Contains("hold 3 nodes (node1, node2, node3)"));
    CHECK_THAT(m, Catch::Contains("give each pair of nodes a lan of its own"));
    CHECK_THAT(m, Catch::Contains("<heartbeat name="));
  }
  SECTION("<heartbeat name=\"default\">, the lan with every node") {
    auto r = choose_heartbeat_peer(c, {"default"}, "node2", "A", kFile);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("its heartbeat lan \"default\" in " + kFile + " holds 3 nodes"));
  }
  SECTION("two pair lans that together hold three nodes") {
    auto r = choose_heartbeat_peer(c, {"lanAB", "lanBC"}, "node2", "A", kFile);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("its heartbeat lans \"lanAB\", \"lanBC\""));
    CHECK_THAT(r.error().message, Catch::Contains("(node1, node2, node3)"));
  }
}

TEST_CASE("a node that is not on the module's lans is told so, with the nodes that are", "[agent][peer]") {
  auto c = cluster(kThreeNodes);
  auto r = choose_heartbeat_peer(c, {"lanAB"}, "node3", "A", kFile);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::invalid_argument);
  CHECK_THAT(r.error().message, Catch::Contains("node node3 is not on module A's heartbeat lan \"lanAB\" in " + kFile));
  CHECK_THAT(r.error().message, Catch::Contains("(nodes there: node1, node2)"));
  CHECK_THAT(r.error().message, Catch::Contains("run the module on those nodes"));
}

TEST_CASE("a heartbeat lan that cluster.xml does not define is named, with the lans it does", "[agent][peer]") {
  auto c = cluster(kThreeNodes);
  auto r = choose_heartbeat_peer(c, {"lanXY"}, "node1", "A", kFile);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("module A's heartbeat lan \"lanXY\" is not a lan of " + kFile));
  CHECK_THAT(r.error().message, Catch::Contains("(its lans: \"default\", \"lanAB\", \"lanBC\")"));
}

TEST_CASE("this node alone on the module's lans: no peer, the module runs alone", "[agent][peer]") {
  auto one = cluster("<lan name=\"default\"><node name=\"node1\" addr=\"127.0.0.1\"/></lan>");
  auto r = choose_heartbeat_peer(one, {}, "node1", "A", kFile);
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());

  auto c = cluster(std::string(kThreeNodes) + "<lan name=\"solo\"><node name=\"node3\" addr=\"127.0.2.3\"/></lan>");
  auto solo = choose_heartbeat_peer(c, {"solo"}, "node3", "A", kFile);
  REQUIRE(solo.ok());
  CHECK_FALSE(solo->has_value());
}

TEST_CASE("the peer without an address on one of the module's lans is named with that lan", "[agent][peer]") {
  auto c = cluster(std::string(kThreeNodes) + "<lan name=\"spare\"><node name=\"node1\" addr=\"127.0.2.1\"/></lan>");
  auto r = choose_heartbeat_peer(c, {"lanAB", "spare"}, "node1", "A", kFile);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("node node2 has no address on lan \"spare\" in " + kFile +
                                                ", one of module A's heartbeat lans"));
}
