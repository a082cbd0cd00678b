#include <catch2/catch.hpp>

#include "remote/remote_targets.hpp"

using namespace haven;

namespace {
const std::vector<std::string> kNodes{"node1", "node2", "node3"};

config::ClusterConfig two_lans() {
  auto loaded = config::parse_cluster_config(
      "<cluster><lans port=\"4800\">"
      "<lan name=\"a\"><node name=\"node1\" addr=\"10.0.0.1\"/><node name=\"node2\" addr=\"10.0.0.2\" laddr=\"192.168.0.2\"/></lan>"
      "<lan name=\"b\"><node name=\"node1\" addr=\"[2001:db8::1]\"/><node name=\"node2\" addr=\"10.1.0.2\"/></lan>"
      "</lans></cluster>",
      "cluster.xml", {});
  REQUIRE(loaded.config);
  return *loaded.config;
}
}  // namespace

TEST_CASE("-H \"*\" is every node of cluster.xml, in its order", "[remote][targets]") {
  auto r = parse_targets("*", kNodes);
  REQUIRE(r.ok());
  CHECK(*r == kNodes);
  CHECK_FALSE(parse_targets("*", {}).ok());
}

TEST_CASE("-H takes a comma list of node names, trimmed, without duplicates, in the order given", "[remote][targets]") {
  auto r = parse_targets(" node3, node1 ,node3", kNodes);
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{"node3", "node1"});
}

TEST_CASE("-H refuses an unknown node, naming the nodes there are, and empty items", "[remote][targets]") {
  auto unknown = parse_targets("node1,node9", kNodes);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == Errc::not_found);
  CHECK_THAT(unknown.error().message, Catch::Contains("node9") && Catch::Contains("node1, node2, node3"));
  for (const char* spec : {"", ",", "node1,", "node1,,node2"}) {
    INFO(spec);
    CHECK(parse_targets(spec, kNodes).error().code == Errc::invalid_argument);
  }
}

TEST_CASE("a node is reached at its address on each lan in order, and listens on its local address",
          "[remote][targets]") {
  const auto cluster = two_lans();
  CHECK(node_addresses(cluster, "node1") == std::vector<std::string>{"10.0.0.1", "2001:db8::1"});
  CHECK(node_addresses(cluster, "node2") == std::vector<std::string>{"10.0.0.2", "10.1.0.2"});
  CHECK(listen_addresses(cluster, "node2") == std::vector<std::string>{"192.168.0.2", "10.1.0.2"});
  CHECK(node_addresses(cluster, "node9").empty());
}
