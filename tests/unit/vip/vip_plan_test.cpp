#include <catch2/catch.hpp>

#include "vip/generated_checks.hpp"
#include "vip/vip_plan.hpp"
#include "vip_test_support.hpp"

using namespace haven::vip;
using namespace haven::vip::testing;

namespace {

struct Node {
  std::vector<LinkInfo> links{link_named(2, "eth0"), link_named(3, "eth1")};
  std::vector<AddressInfo> addresses{address_on(links[0], "198.51.100.1", 24), address_on(links[0], "2001:db8::1", 64),
                                     address_on(links[1], "198.51.100.129", 25)};
};

haven::config::VipConfig two_interfaces() {
  haven::config::VipConfig vip;
  haven::config::VipInterface a;
  a.real_interface = {virtual_addr("198.51.100.50"), virtual_addr("198.51.100.51"), virtual_addr("2001:db8::50")};
  haven::config::VipInterface b;
  b.real_interface = {virtual_addr("vip.example.test")};
  b.check = false;
  b.real_interface[0].check = false;
  vip.interfaces = {a, b};
  return vip;
}

haven::Result<IpAddress> fake_resolver(const std::string& name) {
  if (name == "vip.example.test") return *parse_ip_address("198.51.100.200");
  if (auto ip = parse_ip_address(name)) return *ip;
  return haven::fail(haven::Errc::not_found, "virtual_addr \"" + name + "\" does not resolve");
}

}  // namespace

TEST_CASE("a plan places every virtual_addr in document order, numbering aliases per interface") {
  Node node;
  auto plan = plan_addresses(two_interfaces(), node.links, node.addresses, fake_resolver);
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 4);
  CHECK(describe((*plan)[0].assignment) == "198.51.100.50/24 on eth0 (label eth0:0)");
  CHECK(describe((*plan)[1].assignment) == "198.51.100.51/24 on eth0 (label eth0:1)");
  CHECK(describe((*plan)[2].assignment) == "2001:db8::50/64 on eth0");
  CHECK(describe((*plan)[3].assignment) == "198.51.100.200/25 on eth1 (label eth1:0)");
  CHECK((*plan)[3].written == "vip.example.test");
  CHECK((*plan)[3].interface_index == 1);
}

TEST_CASE("a plan fails as a whole when one address cannot be placed or resolved") {
  Node node;
  auto vip = two_interfaces();
  vip.interfaces[1].real_interface[0].addr = "nowhere.example.test";
  auto plan = plan_addresses(vip, node.links, node.addresses, fake_resolver);
  REQUIRE_FALSE(plan.ok());
  CHECK_THAT(plan.error().message, Catch::Contains("nowhere.example.test"));
}

TEST_CASE("check=\"on\" generates one intf checker per interface and one ip checker per address") {
  Node node;
  const auto vip = two_interfaces();
  auto plan = plan_addresses(vip, node.links, node.addresses, fake_resolver);
  REQUIRE(plan.ok());
  const auto checks = generated_checks(vip, *plan);
  REQUIRE(checks.size() == 4);
  CHECK(checks[0].element == "intf");
  CHECK(checks[0].interface == "eth0");
  CHECK(checks[0].ident == "eth0");
  CHECK(checks[0].rule == "interface_failure");
  CHECK(checks[0].action == haven::config::FailureAction::wait);
  for (std::size_t k = 1; k < 4; ++k) {
    CHECK(checks[k].element == "ip");
    CHECK(checks[k].rule == "ip_failure");
    CHECK(checks[k].action == haven::config::FailureAction::stopstart);
  }
  CHECK(checks[1].address == "198.51.100.50");
  CHECK(checks[3].address == "2001:db8::50");
  CHECK(checks[3].interface == "eth0");
}

TEST_CASE("a named interface with check=\"on\" is watched even before any address is placed") {
  haven::config::VipConfig vip;
  haven::config::VipInterface i;
  i.name = "eth1";
  vip.interfaces = {i};
  const auto checks = generated_checks(vip, {});
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].interface == "eth1");
}

TEST_CASE("an IP literal resolves to itself without asking the resolver") {
  auto a = resolve_address("2001:db8::7");
  REQUIRE(a.ok());
  CHECK(a->to_string() == "2001:db8::7");
  auto b = resolve_address("198.51.100.7");
  REQUIRE(b.ok());
  CHECK(b->is_v4());
}

TEST_CASE("a farm's virtual_interface addresses are planned after the interface's real ones, as aliases") {
  Node node;
  haven::config::VipConfig vip;
  haven::config::VipInterface farm;
  haven::config::VirtualInterface virt;
  virt.virtual_addrs = {virtual_addr("198.51.100.100"), virtual_addr("2001:db8::100")};
  virt.virtual_addrs[1].check = false;
  farm.virtual_interface = virt;
  vip.interfaces = {farm};
  auto plan = plan_addresses(vip, node.links, node.addresses, fake_resolver);
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 2);
  CHECK((*plan)[0].farm);
  CHECK(describe((*plan)[0].assignment) == "198.51.100.100/24 on eth0 (label eth0:0)");
  CHECK(describe((*plan)[1].assignment) == "2001:db8::100/64 on eth0");
  CHECK(&planned_config(vip, (*plan)[1]) == &vip.interfaces[0].virtual_interface->virtual_addrs[1]);
  // check="off" on the second address: only the first gets an ip checker.
  const auto generated = generated_checks(vip, *plan);
  std::size_t ip_checks = 0;
  for (const auto& g : generated) ip_checks += g.element == "ip" ? 1 : 0;
  CHECK(ip_checks == 1);
}
