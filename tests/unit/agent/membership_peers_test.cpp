// Which nodes a farm module's pulses go to, from cluster.xml: every other node on the farm's
// lans (or on every lan holding this node), and the refusals that say what to fix. Then the
// endpoints, resolved per pair of this node and a peer.
#include <catch2/catch.hpp>

#include "agent/membership_lans.hpp"
#include "agent/membership_peers.hpp"

using namespace haven;

namespace {

config::ClusterConfig cluster(const std::string& lans) {
  auto loaded = config::parse_cluster_config("<cluster><lans>" + lans + "</lans></cluster>", "cluster.xml", {});
  REQUIRE(loaded.config);
  return *loaded.config;
}

// Four nodes on "default"; "farm2" a second lan for three of them (node4 is on none but
// default); "lanAB" a mirror pair's lan that holds neither node3 nor node4.
const char* const kCluster =
    "<lan name=\"default\"><node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
    "<node name=\"node3\" addr=\"node3.example\"/><node name=\"node4\" addr=\"127.0.0.4\"/></lan>"
    "<lan name=\"farm2\"><node name=\"node3\" addr=\"[2001:db8::3]\"/><node name=\"node1\" addr=\"[2001:db8::1]\"/>"
    "<node name=\"node2\" addr=\"[2001:db8::2]\"/></lan>"
    "<lan name=\"lanAB\"><node name=\"node1\" addr=\"127.0.1.1\"/><node name=\"node2\" addr=\"127.0.1.2\"/></lan>";

const std::string kFile = "/etc/haven/cluster.xml";

using Names = std::vector<std::string>;

Names peer_names(const MembershipLanEnds& lan) {
  Names out;
  for (const auto& p : lan.peers) out.push_back(p.node);
  return out;
}

}  // namespace

TEST_CASE("a named farm lan gives every other node's address there, in cluster.xml's order", "[agent][membership]") {
  auto r = choose_membership_peers(cluster(kCluster), {"default"}, "node2", "web", kFile);
  REQUIRE(r.ok());
  REQUIRE(r->lans.size() == 1);
  CHECK(r->lans[0].lan == "default");
  CHECK(r->lans[0].local_addr == "127.0.0.2");
  CHECK(peer_names(r->lans[0]) == Names{"node1", "node3", "node4"});
  CHECK(r->lans[0].peers[1].addr == "node3.example");  // as written, not resolved
  CHECK(r->nodes == Names{"node1", "node3", "node4"});
}

TEST_CASE("two named lans: a node on only one of them is still a member", "[agent][membership]") {
  auto r = choose_membership_peers(cluster(kCluster), {"farm2", "default", "farm2"}, "node1", "web", kFile);
  REQUIRE(r.ok());
  REQUIRE(r->lans.size() == 2);  // a lan named twice counts once
  CHECK(r->lans[0].lan == "farm2");
  CHECK(r->lans[0].local_addr == "[2001:db8::1]");
  CHECK(peer_names(r->lans[0]) == Names{"node3", "node2"});
  CHECK(peer_names(r->lans[1]) == Names{"node2", "node3", "node4"});
  CHECK(r->nodes == Names{"node2", "node3", "node4"});
}

TEST_CASE("no <farm><lan>: every lan that holds this node, and lans of other nodes are left out",
          "[agent][membership]") {
  auto on3 = choose_membership_peers(cluster(kCluster), {}, "node3", "web", kFile);
  REQUIRE(on3.ok());
  REQUIRE(on3->lans.size() == 2);  // default and farm2; lanAB is node1 and node2's
  CHECK(on3->lans[0].lan == "default");
  CHECK(on3->lans[1].lan == "farm2");
  CHECK(on3->nodes == Names{"node1", "node2", "node4"});

  auto on1 = choose_membership_peers(cluster(kCluster), {}, "node1", "web", kFile);
  REQUIRE(on1.ok());
  REQUIRE(on1->lans.size() == 3);
  CHECK(peer_names(on1->lans[2]) == Names{"node2"});
}

TEST_CASE("a node alone on its lans is a farm of one", "[agent][membership]") {
  auto c = cluster("<lan name=\"default\"><node name=\"solo\" addr=\"127.0.0.1\"/></lan>");
  auto r = choose_membership_peers(c, {}, "solo", "web", kFile);
  REQUIRE(r.ok());
  REQUIRE(r->lans.size() == 1);
  CHECK(r->lans[0].peers.empty());
  CHECK(r->nodes.empty());
}

TEST_CASE("refusals name the module, the lan, the cluster file and the fix", "[agent][membership]") {
  const auto c = cluster(kCluster);
  SECTION("a lan cluster.xml does not define") {
    auto r = choose_membership_peers(c, {"default", "backbone"}, "node1", "web", kFile);
    REQUIRE_FALSE(r.ok());
    const auto& m = r.error().message;
    CHECK_THAT(m, Catch::Contains("farm module web's lan \"backbone\" is not a lan of " + kFile));
    CHECK_THAT(m, Catch::Contains("\"default\", \"farm2\", \"lanAB\""));
    CHECK_THAT(m, Catch::Contains("fix <farm><lan name>"));
  }
  SECTION("this node on none of the lans") {
    auto r = choose_membership_peers(c, {"lanAB"}, "node4", "web", kFile);
    REQUIRE_FALSE(r.ok());
    const auto& m = r.error().message;
    CHECK_THAT(m, Catch::Contains("node node4 is on none of farm module web's lans \"lanAB\""));
    CHECK_THAT(m, Catch::Contains(kFile));
    CHECK_THAT(m, Catch::Contains("add node node4 to the lan"));
    auto unknown = choose_membership_peers(c, {}, "node9", "web", kFile);
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().message, Catch::Contains("every lan of cluster.xml: the module has no <farm><lan name>"));
  }
  SECTION("this node without an address on a named lan") {
    auto r = choose_membership_peers(c, {"default", "farm2"}, "node4", "web", kFile);
    REQUIRE_FALSE(r.ok());
    const auto& m = r.error().message;
    CHECK_THAT(m, Catch::Contains("node node4 has no address on lan \"farm2\" in " + kFile));
    CHECK_THAT(m, Catch::Contains("farm module web"));
    CHECK_THAT(m, Catch::Contains("leave the lan out of the module's <farm>"));
  }
}

TEST_CASE("the lans' endpoints are resolved per pair, on the farm port, and a lan of this node alone gets no socket",
          "[agent][membership]") {
  auto c = cluster(kCluster + std::string("<lan name=\"solo\"><node name=\"node3\" addr=\"127.0.9.3\"/></lan>"));
  auto peers = choose_membership_peers(c, {}, "node3", "web", kFile);
  REQUIRE(peers.ok());
  REQUIRE(peers->lans.size() == 3);
  std::vector<std::string> asked;
  NameResolver resolver = [&](const std::string& name) -> Result<std::vector<boost::asio::ip::address>> {
    asked.push_back(name);
    if (name == "node3.example")
      return std::vector<boost::asio::ip::address>{boost::asio::ip::make_address("2001:db8::33"),
                                                   boost::asio::ip::make_address("127.0.0.3")};
    return fail(Errc::not_found, "unknown host");
  };
  auto lans = resolve_membership_lans(*peers, farm_membership_port(2, std::nullopt), "node3", kFile, resolver);
  REQUIRE(lans.ok());
  REQUIRE(lans->size() == 2);
  const auto& def = (*lans)[0];
  CHECK(def.name == "default");
  CHECK(def.local == HeartbeatSocket::Endpoint(boost::asio::ip::make_address("127.0.0.3"), 4806));
  REQUIRE(def.peers.size() == 3);
  CHECK(def.peers[0].first == "node1");
  CHECK(def.peers[0].second == HeartbeatSocket::Endpoint(boost::asio::ip::make_address("127.0.0.1"), 4806));
  CHECK(def.peers[2].first == "node4");
  const auto& v6 = (*lans)[1];
  CHECK(v6.name == "farm2");
  CHECK(v6.local.address().to_string() == "2001:db8::3");
  CHECK(v6.peers[1].second.address().to_string() == "2001:db8::2");
  CHECK(asked.size() == 3);  // node3.example once per peer of "default"
}

TEST_CASE("a name that does not resolve, or resolves to a family a peer lacks, is refused with the lan",
          "[agent][membership]") {
  auto c = cluster("<lan name=\"default\"><node name=\"node1\" addr=\"here.example\"/>"
                   "<node name=\"node2\" addr=\"127.0.0.2\"/><node name=\"node3\" addr=\"[2001:db8::3]\"/></lan>");
  auto peers = choose_membership_peers(c, {}, "node1", "web", kFile);
  REQUIRE(peers.ok());
  NameResolver none = [](const std::string&) -> Result<std::vector<boost::asio::ip::address>> {
    return fail(Errc::not_found, "Host not found");
  };
  auto unresolved = resolve_membership_lans(*peers, 4803, "node1", kFile, none);
  REQUIRE_FALSE(unresolved.ok());
  CHECK_THAT(unresolved.error().message, Catch::Contains("node node1's address \"here.example\" on lan \"default\""));

  NameResolver both = [](const std::string&) -> Result<std::vector<boost::asio::ip::address>> {
    return std::vector<boost::asio::ip::address>{boost::asio::ip::make_address("127.0.0.1"),
                                                 boost::asio::ip::make_address("2001:db8::1")};
  };
  auto mixed = resolve_membership_lans(*peers, 4803, "node1", kFile, both);
  REQUIRE_FALSE(mixed.ok());
  const auto& m = mixed.error().message;
  CHECK_THAT(m, Catch::Contains("on lan \"default\" in " + kFile));
  CHECK_THAT(m, Catch::Contains("127.0.0.1 to reach node2 but 2001:db8::1 to reach node3"));
  CHECK_THAT(m, Catch::Contains("write addresses of one family on that lan"));
}

TEST_CASE("the farm port is 4803 + (module id - 1) * 3 unless <farm port> gives one", "[agent][membership]") {
  CHECK(farm_membership_port(1, std::nullopt) == 4803);
  CHECK(farm_membership_port(2, std::nullopt) == 4806);
  CHECK(farm_membership_port(10, std::nullopt) == 4830);
  CHECK(farm_membership_port(3, 29821) == 29821);
}
