#include <catch2/catch.hpp>

#include "vip/interface_choice.hpp"
#include "vip_test_support.hpp"

using namespace haven::vip;
using namespace haven::vip::testing;

namespace {

struct Node {
  std::vector<LinkInfo> links{link_named(1, "lo", true), link_named(2, "eth0"), link_named(3, "eth1")};
  std::vector<AddressInfo> addresses{address_on(links[0], "127.0.0.1", 8), address_on(links[1], "198.51.100.1", 24),
                                     address_on(links[1], "2001:db8:1::1", 64),
                                     address_on(links[2], "198.51.100.129", 25)};
};

haven::Result<AddressAssignment> choose(const Node& node, const std::string& vip, const haven::config::VipInterface& i,
                                        const haven::config::VirtualAddr& a, int alias = 0) {
  return choose_interface(*parse_ip_address(vip), i, a, node.links, node.addresses, alias);
}

}  // namespace

TEST_CASE("an IPv4 virtual address goes on the interface whose subnet holds it most specifically, with that prefix") {
  Node node;
  haven::config::VipInterface i;
  auto a = choose(node, "198.51.100.50", i, virtual_addr("198.51.100.50"));
  REQUIRE(a.ok());
  CHECK(a->interface == "eth0");
  CHECK(a->prefix.to_string() == "198.51.100.50/24");
  auto b = choose(node, "198.51.100.200", i, virtual_addr("198.51.100.200"));
  REQUIRE(b.ok());
  CHECK(b->interface == "eth1");
  CHECK(b->prefix.length == 25);
}

TEST_CASE("one_side_alias labels an IPv4 address as an alias of its interface, one_side does not") {
  Node node;
  haven::config::VipInterface i;
  auto alias = choose(node, "198.51.100.50", i, virtual_addr("198.51.100.50", "one_side_alias"), 2);
  REQUIRE(alias.ok());
  CHECK(alias->label == "eth0:2");
  auto side = choose(node, "198.51.100.50", i, virtual_addr("198.51.100.50", "one_side"));
  REQUIRE(side.ok());
  CHECK(side->label.empty());
}

TEST_CASE("an alias label that would pass Linux's 15 characters is left out") {
  std::vector<LinkInfo> links{link_named(2, "averylongname12")};
  std::vector<AddressInfo> present{address_on(links[0], "198.51.100.1", 24)};
  auto a = choose_interface(*parse_ip_address("198.51.100.50"), {}, virtual_addr("198.51.100.50"), links, present, 0);
  REQUIRE(a.ok());
  CHECK(a->label.empty());
}

TEST_CASE("an IPv6 virtual address goes on the interface of its subnet, without a label") {
  Node node;
  auto a = choose(node, "2001:db8:1::50", {}, virtual_addr("2001:db8:1::50"));
  REQUIRE(a.ok());
  CHECK(a->interface == "eth0");
  CHECK(a->prefix.to_string() == "2001:db8:1::50/64");
  CHECK(a->label.empty());
}

TEST_CASE("no interface in the virtual address's subnet is an error listing every interface") {
  Node node;
  auto a = choose(node, "203.0.113.9", {}, virtual_addr("203.0.113.9"));
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().code == haven::Errc::not_found);
  CHECK_THAT(a.error().message, Catch::Contains("203.0.113.9: no interface has an address in its subnet"));
  CHECK_THAT(a.error().message,
             Catch::Contains("interfaces: eth0 198.51.100.1/24, eth0 2001:db8:1::1/64, eth1 198.51.100.129/25"));
  CHECK_THAT(a.error().message, Catch::Contains("<interface name="));
}

TEST_CASE("loopback never holds a virtual address, and the error says where the element is") {
  Node node;
  auto v = virtual_addr("127.0.0.9");
  v.line = 48;
  auto a = choose(node, "127.0.0.9", {}, v);
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.error().message, Catch::Contains("userconfig.xml line 48"));
}

TEST_CASE("a virtual address already on the node does not choose its own interface") {
  Node node;
  node.addresses.push_back(address_on(node.links[2], "198.51.100.50", 32));
  auto a = choose(node, "198.51.100.50", {}, virtual_addr("198.51.100.50"));
  REQUIRE(a.ok());
  CHECK(a->interface == "eth0");
}

TEST_CASE("netmask replaces the subnet's prefix length, as a length or a dotted mask") {
  Node node;
  auto a = choose(node, "198.51.100.50", {}, virtual_addr("198.51.100.50", "one_side_alias", "255.255.255.128"));
  REQUIRE(a.ok());
  CHECK(a->prefix.length == 25);
  auto b = choose(node, "2001:db8:1::50", {}, virtual_addr("2001:db8:1::50", "one_side_alias", "128"));
  REQUIRE(b.ok());
  CHECK(b->prefix.length == 128);
}

TEST_CASE("a netmask that is not a mask is refused with the value and what was expected") {
  Node node;
  auto a = choose(node, "198.51.100.50", {}, virtual_addr("198.51.100.50", "one_side_alias", "255.0.255.0"));
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().code == haven::Errc::invalid_argument);
  CHECK_THAT(a.error().message, Catch::Contains("netmask \"255.0.255.0\""));
  CHECK_THAT(a.error().message, Catch::Contains("prefix length 0..32"));
  auto b = choose(node, "2001:db8:1::50", {}, virtual_addr("2001:db8:1::50", "one_side_alias", "129"));
  REQUIRE_FALSE(b.ok());
}

TEST_CASE("a named interface is used even when no address of it holds the virtual address") {
  Node node;
  haven::config::VipInterface i;
  i.name = "eth1";
  auto a = choose(node, "203.0.113.9", i, virtual_addr("203.0.113.9"));
  REQUIRE(a.ok());
  CHECK(a->interface == "eth1");
  CHECK(a->prefix.length == 32);
  auto b = choose(node, "198.51.100.200", i, virtual_addr("198.51.100.200", "one_side_alias", "24"));
  REQUIRE(b.ok());
  CHECK(b->interface == "eth1");
  CHECK(b->prefix.length == 24);
  auto c = choose(node, "198.51.100.50", i, virtual_addr("198.51.100.50"));
  REQUIRE(c.ok());
  CHECK(c->interface == "eth1");  // named wins over the subnet match on eth0
}

TEST_CASE("a named interface that does not exist is an error naming it and the ones there are") {
  Node node;
  haven::config::VipInterface i;
  i.name = "bond0";
  auto a = choose(node, "198.51.100.50", i, virtual_addr("198.51.100.50"));
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.error().message, Catch::Contains("<interface name=\"bond0\"> does not exist"));
  CHECK_THAT(a.error().message, Catch::Contains("eth1 198.51.100.129/25"));
}

TEST_CASE("a prefix holds exactly the addresses of its subnet") {
  IpPrefix p{*parse_ip_address("198.51.100.130"), 25};
  CHECK(p.contains(*parse_ip_address("198.51.100.255")));
  CHECK_FALSE(p.contains(*parse_ip_address("198.51.100.127")));
  CHECK_FALSE(p.contains(*parse_ip_address("2001:db8::1")));
  IpPrefix q{*parse_ip_address("2001:db8::1"), 33};
  CHECK(q.contains(*parse_ip_address("2001:db8:7fff::1")));
  CHECK_FALSE(q.contains(*parse_ip_address("2001:db8:8000::1")));
  CHECK(IpPrefix{*parse_ip_address("10.0.0.1"), 0}.contains(*parse_ip_address("198.51.100.1")));
}
