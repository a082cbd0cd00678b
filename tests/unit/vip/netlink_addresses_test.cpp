#include <catch2/catch.hpp>

#include "ip_json.hpp"
#include "private_netns.hpp"
#include "vip/netlink_addresses.hpp"

using namespace haven::vip;
using namespace haven::vip::testing;

namespace {

AddressAssignment assignment(const std::string& interface, const std::string& ip, int length,
                             const std::string& label = "") {
  return AddressAssignment{interface, IpPrefix{*parse_ip_address(ip), length}, label};
}

bool netlink_has(NetlinkAddresses& nl, const std::string& interface, const std::string& prefix) {
  auto all = nl.addresses();
  REQUIRE(all.ok());
  for (const auto& a : *all)
    if (a.interface == interface && a.prefix.to_string() == prefix) return true;
  return false;
}

}  // namespace

TEST_CASE("netlink lists the links and the addresses ip shows") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  auto links = nl->links();
  REQUIRE(links.ok());
  auto vh0 = nl->link("vh0");
  REQUIRE(vh0.ok());
  CHECK(vh0->index == interface_index("vh0"));
  CHECK(vh0->has_mac);
  CHECK(vh0->up);
  auto lo = nl->link("lo");
  REQUIRE(lo.ok());
  CHECK(lo->loopback);
  CHECK(netlink_has(*nl, "vh0", "198.51.100.1/24"));
  CHECK(netlink_has(*nl, "vh0", "2001:db8::1/64"));
  auto missing = nl->link("eth9");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("eth9") && Catch::Contains("vh0"));
}

TEST_CASE("an IPv4 alias is added with its label and removed, as ip -j addr sees it") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  const auto vip = assignment("vh0", "198.51.100.50", 24, "vh0:0");
  REQUIRE(nl->add(vip).ok());
  bool labelled = false;
  for (const auto& a : ip_json_addresses(*ns, "vh0"))
    if (a.prefix == "198.51.100.50/24") labelled = a.label == "vh0:0";
  CHECK(labelled);
  CHECK(netlink_has(*nl, "vh0", "198.51.100.50/24"));
  REQUIRE(nl->remove(vip).ok());
  CHECK_FALSE(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  CHECK(ip_json_has(*ns, "vh0", "198.51.100.1/24"));  // the real address stays
}

TEST_CASE("an IPv6 address is added without duplicate address detection, usable at once") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  REQUIRE(nl->add(assignment("vh0", "2001:db8::50", 64)).ok());
  bool found = false;
  for (const auto& link : nlohmann::json::parse(ns->run("ip -j -6 addr show dev vh0")))
    for (const auto& a : link.at("addr_info"))
      if (a.value("local", "") == "2001:db8::50") {
        found = true;
        CHECK_FALSE(a.value("tentative", false));
      }
  CHECK(found);
  REQUIRE(nl->remove(assignment("vh0", "2001:db8::50", 64)).ok());
  CHECK_FALSE(ip_json_has(*ns, "vh0", "2001:db8::50/64"));
}

TEST_CASE("adding an address twice and removing an absent one both succeed") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  for (const auto& vip : {assignment("vh0", "198.51.100.50", 24, "vh0:0"), assignment("vh0", "2001:db8::50", 64)}) {
    REQUIRE(nl->add(vip).ok());
    REQUIRE(nl->add(vip).ok());
    REQUIRE(nl->remove(vip).ok());
    REQUIRE(nl->remove(vip).ok());
  }
  CHECK(nl->remove(assignment("gone0", "198.51.100.50", 24)).ok());  // its interface is gone too
}

TEST_CASE("an add the kernel refuses names the interface, the address and the reason") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  ns->run("sysctl -q -w net.ipv6.conf.vh1.disable_ipv6=1");
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  auto st = nl->add(assignment("vh1", "2001:db8::50", 64));
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("2001:db8::50/64 on vh1"));
  auto unknown = nl->add(assignment("eth9", "198.51.100.50", 24));
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("eth9") && Catch::Contains("198.51.100.50/24"));
}
