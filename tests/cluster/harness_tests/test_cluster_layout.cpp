// The plan of a cluster and its partition rules: pure, no root needed.
#include <catch2/catch.hpp>

#include "cluster_layout.hpp"
#include "interrupt_cleanup.hpp"
#include "partition_rules.hpp"

using namespace haven::cluster;

TEST_CASE("nodes get .1.., clients .101.., each lan its own /25 and /64", "[cluster][layout]") {
  auto layout = plan_layout(Spec{2, 1, 2, "demo"}, 4242);
  REQUIRE(layout.ok());
  CHECK(layout->switch_netns == "hvn-4242-demo-switch");
  REQUIRE(layout->lans.size() == 2);
  CHECK(layout->lans[0].ipv4_subnet == "198.51.100.0/25");
  CHECK(layout->lans[1].ipv4_subnet == "198.51.100.128/25");
  CHECK(layout->lans[1].ipv6_subnet == "2001:db8:2::/64");
  REQUIRE(layout->hosts.size() == 3);
  const Host* node2 = layout->find("node2");
  REQUIRE(node2);
  CHECK(node2->netns == "hvn-4242-demo-node2");
  CHECK(node2->ipv4() == "198.51.100.2");
  CHECK(node2->ipv6() == "2001:db8:1::2");
  CHECK(node2->ipv4(2) == "198.51.100.130");
  CHECK(node2->interface(2) == "eth1");
  CHECK(node2->link(2).switch_port == "node2-l2");
  const Host* client = layout->find("client1");
  REQUIRE(client);
  CHECK(client->ipv4() == "198.51.100.101");
  CHECK(client->ipv6(2) == "2001:db8:2::101");
  CHECK(client->ipv4(2) == "198.51.100.229");
  CHECK(layout->lans[0].spare_ipv4(0) == "198.51.100.50");
  CHECK(layout->lans[1].spare_ipv4(1) == "198.51.100.179");
  CHECK(layout->lans[0].spare_ipv6(2) == "2001:db8:1::52");
  CHECK(layout->namespaces().back() == layout->switch_netns);
  CHECK(layout->find("node3") == nullptr);
}

TEST_CASE("every address of a cluster lies in 198.51.100.0/24 or 2001:db8::/32", "[cluster][layout]") {
  auto layout = plan_layout(Spec{kMaxNodes, kMaxClients, 2, "big"}, 1);
  REQUIRE(layout.ok());
  for (const auto& host : layout->hosts)
    for (const auto& link : host.links) {
      CHECK(link.ipv4.rfind("198.51.100.", 0) == 0);
      CHECK(std::stoi(link.ipv4.substr(11)) < 255);
      CHECK(link.ipv6.rfind("2001:db8:", 0) == 0);
      CHECK(link.switch_port.size() <= 15);  // IFNAMSIZ
    }
  const Host* last_client = layout->find("client26");
  REQUIRE(last_client);
  CHECK(last_client->ipv4(2) == "198.51.100.254");
}

TEST_CASE("a spec out of range is refused with the field named", "[cluster][layout]") {
  auto bad_name = plan_layout(Spec{2, 1, 1, "Demo_1"}, 1);
  REQUIRE_FALSE(bad_name.ok());
  CHECK_THAT(bad_name.error().message, Catch::Contains("cluster name 'Demo_1'"));
  auto no_nodes = plan_layout(Spec{0, 1, 1, "x"}, 1);
  REQUIRE_FALSE(no_nodes.ok());
  CHECK_THAT(no_nodes.error().message, Catch::Contains("0 nodes"));
  auto lans = plan_layout(Spec{2, 1, 3, "x"}, 1);
  REQUIRE_FALSE(lans.ok());
  CHECK_THAT(lans.error().message, Catch::Contains("3 lans"));
}

TEST_CASE("a layout read back from its JSON is the same layout", "[cluster][layout]") {
  auto layout = plan_layout(Spec{3, 2, 2, "rt"}, 777);
  REQUIRE(layout.ok());
  auto back = layout_from_json(to_json(*layout));
  REQUIRE(back.ok());
  CHECK(to_json(*back) == to_json(*layout));
  CHECK(back->owner == 777);

  auto broken = to_json(*layout);
  broken.erase("switch_netns");
  auto refused = layout_from_json(broken);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("switch_netns"));
}

TEST_CASE("the owner pid is read only from names the harness makes", "[cluster][layout]") {
  CHECK(namespace_owner("hvn-4242-demo-node1") == 4242);
  CHECK(namespace_owner("hvn-1-x-switch") == 1);
  CHECK(namespace_owner("hvn-demo-node1") == 0);
  CHECK(namespace_owner("hvn--x") == 0);
  CHECK(namespace_owner("hvn-12") == 0);
  CHECK(namespace_owner("netns-4242-x") == 0);
  CHECK(namespace_owner("hvn-99999999999-x") == 0);
}

TEST_CASE("a partition drops frames between every two groups, and a host named nowhere is alone",
          "[cluster][partition]") {
  auto layout = plan_layout(Spec{2, 2, 1, "p"}, 10);
  REQUIRE(layout.ok());
  auto script = partition_script(*layout, {{"node1", "client1"}, {"node2"}});
  REQUIRE(script.ok());
  const std::string& s = *script;
  CHECK_THAT(s, Catch::StartsWith("table bridge haven_partition\ndelete table bridge haven_partition\n"));
  CHECK_THAT(s, Catch::Contains("hook forward"));
  CHECK_THAT(s, Catch::Contains(R"(iifname { "node1-l1", "client1-l1" } oifname { "node2-l1" } drop)"));
  CHECK_THAT(s, Catch::Contains(R"(iifname { "node2-l1" } oifname { "node1-l1", "client1-l1" } drop)"));
  // client2 is in no group: alone, cut from both groups in both directions.
  CHECK_THAT(s, Catch::Contains(R"(iifname { "client2-l1" } oifname { "node2-l1" } drop)"));
  CHECK_THAT(s, Catch::Contains(R"(iifname { "node1-l1", "client1-l1" } oifname { "client2-l1" } drop)"));
  // Three groups: six ordered pairs, so six rules.
  size_t rules = 0;
  for (size_t at = s.find(" drop\n"); at != std::string::npos; at = s.find(" drop\n", at + 1)) ++rules;
  CHECK(rules == 6);
}

TEST_CASE("a partition naming an unknown host or one host twice is refused", "[cluster][partition]") {
  auto layout = plan_layout(Spec{2, 1, 2, "p"}, 10);
  REQUIRE(layout.ok());
  auto unknown = partition_script(*layout, {{"node1"}, {"node9"}});
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("'node9'"));
  auto twice = partition_script(*layout, {{"node1"}, {"node1", "node2"}});
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message, Catch::Contains("two groups"));
  CHECK(heal_script() == "table bridge haven_partition\ndelete table bridge haven_partition\n");
}

TEST_CASE("the interrupt script removes exactly the registered namespaces, and forgets them", "[cluster][interrupt]") {
  const auto token = register_namespaces({"hvn-1-a-node1", "hvn-1-a-switch"});
  const std::string script = interrupt_script();
  CHECK_THAT(script, Catch::Contains("netns pids 'hvn-1-a-node1'"));
  CHECK_THAT(script, Catch::Contains("netns delete 'hvn-1-a-switch'"));
  unregister_namespaces(token);
  CHECK(interrupt_script().empty());
}
