// The agent's translation of a farm's <vip> and its deals into the load filter's spec.
#include <catch2/catch.hpp>

#include "agent/load_filter_spec.hpp"
#include "config/user_config_loader.hpp"

using namespace haven;

namespace {

config::UserConfig farm_config(const std::string& type, const std::string& rules) {
  auto loaded = config::parse_user_config(
      "<safe><service mode=\"farm\"><farm><lan name=\"default\"/></farm><vip><interface_list><interface>"
      "<virtual_interface type=\"" + type + "\"><virtual_addr addr=\"198.51.100.50\" where=\"alias\"/></virtual_interface>"
      "</interface></interface_list><loadbalancing_list><group name=\"FarmProto\"><cluster><host name=\"node1\"/>"
      "<host name=\"node2\"/></cluster>" + rules + "</group></loadbalancing_list></vip></service></safe>",
      "userconfig.xml", {});
  REQUIRE(loaded.config);
  return *loaded.config;
}

vip::PlannedAddress farm_address(const std::string& ip, const std::string& interface) {
  vip::PlannedAddress p;
  p.farm = true;
  p.written = ip;
  p.assignment.interface = interface;
  p.assignment.prefix.address = *vip::parse_ip_address(ip);
  p.assignment.prefix.length = 24;
  return p;
}

DealBuckets deal(const std::vector<std::string>& members, const std::string& local) {
  DealBuckets d;
  d.group = "FarmProto_0";
  d.members = members;
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::bitset<kLoadBuckets> share;
    for (std::size_t b = m; b < kLoadBuckets; b += members.size()) share.set(b);
    d.shares.push_back(share);
    if (members[m] == local) d.owned = share;
  }
  return d;
}

FilterInputs inputs(const config::UserConfig& config, const std::string& node) {
  FilterInputs in;
  in.module = "web";
  in.module_id = 3;
  in.node = node;
  in.vip = &*config.vip;
  in.planned = {farm_address("198.51.100.50", "eth0")};
  in.interface_ipv4 = {node == "node1" ? "198.51.100.1" : "198.51.100.2"};
  in.peer_ipv4 = {{"node1", "198.51.100.1"}, {"node2", "198.51.100.2"}};
  return in;
}

}  // namespace

TEST_CASE("a farm's rules, addresses and share become the filter spec", "[agent][load_filter]") {
  const auto config = farm_config("vmac_invisible", "<rule port=\"80\" proto=\"tcp\" filter=\"on_port\"/>"
                                                    "<rule port=\"*\" proto=\"udp\"/><rule proto=\"arp\"/>");
  auto in = inputs(config, "node2");
  in.deals["FarmProto_0"] = deal({"node1", "node2"}, "node2");
  auto spec = build_filter_spec(in);
  INFO((spec.ok() ? "" : spec.error().message));
  REQUIRE(spec.ok());
  CHECK(spec->interface == "eth0");
  CHECK(spec->vips == std::vector<std::string>{"198.51.100.50"});
  CHECK(spec->mode == load_filter::MacMode::vmac_invisible);
  CHECK(spec->node_ipv4 == "198.51.100.2");
  CHECK(spec->arp_owner == "node1");
  REQUIRE(spec->groups.size() == 1);
  const auto& g = spec->groups[0];
  REQUIRE(g.rules.size() == 2);  // proto="arp" is the MAC mode's
  CHECK(g.rules[0].port == std::optional<std::uint16_t>(80));
  CHECK(g.rules[0].filter == load_filter::HashKey::on_port);
  CHECK_FALSE(g.rules[1].port.has_value());
  CHECK(g.rules[1].proto == load_filter::Protocol::udp);
  CHECK(g.mine == in.deals["FarmProto_0"].owned);
  CHECK(g.mine.count() == 128);
  CHECK(g.peers.empty());  // only the ARP owner of vmac_directed forwards
}

TEST_CASE("before any deal a node serves nothing; the ARP owner of vmac_directed forwards the others' shares",
          "[agent][load_filter]") {
  const auto config = farm_config("vmac_directed", "<rule port=\"80\"/>");
  auto in = inputs(config, "node1");
  auto undealt = build_filter_spec(in);
  REQUIRE(undealt.ok());
  CHECK(undealt->groups.at(0).mine.none());

  in.deals["FarmProto_0"] = deal({"node1", "node2"}, "node1");
  auto owner = build_filter_spec(in);
  REQUIRE(owner.ok());
  CHECK(owner->arp_owner == "node1");
  REQUIRE(owner->groups.at(0).peers.size() == 1);
  CHECK(owner->groups[0].peers[0].node == "node2");
  CHECK(owner->groups[0].peers[0].ipv4 == "198.51.100.2");
  CHECK(owner->groups[0].peers[0].buckets == in.deals["FarmProto_0"].shares[1]);

  auto other = inputs(config, "node2");
  other.deals["FarmProto_0"] = deal({"node1", "node2"}, "node2");
  auto follower = build_filter_spec(other);
  REQUIRE(follower.ok());
  CHECK(follower->groups.at(0).peers.empty());
}

TEST_CASE("a spec that cannot be enforced is refused with the module and the line", "[agent][load_filter]") {
  SECTION("a rule for an address the farm does not hold") {
    const auto config = farm_config("vmac_invisible", "<rule virtual_addr=\"198.51.100.99\" port=\"80\"/>");
    auto spec = build_filter_spec(inputs(config, "node1"));
    REQUIRE_FALSE(spec.ok());
    CHECK_THAT(spec.error().message, Catch::Contains("module web") && Catch::Contains("198.51.100.99") &&
                                         Catch::Contains("userconfig.xml line"));
  }
  SECTION("a port that is no number") {
    const auto config = farm_config("vmac_invisible", "<rule port=\"http\"/>");
    auto spec = build_filter_spec(inputs(config, "node1"));
    REQUIRE_FALSE(spec.ok());
    CHECK_THAT(spec.error().message, Catch::Contains("port=\"http\""));
  }
  SECTION("vmac_directed without an address of this node on the interface") {
    const auto config = farm_config("vmac_directed", "<rule port=\"80\"/>");
    auto in = inputs(config, "node1");
    in.interface_ipv4.clear();
    auto spec = build_filter_spec(in);
    REQUIRE_FALSE(spec.ok());
    CHECK_THAT(spec.error().message, Catch::Contains("vmac_directed needs an IPv4 address"));
  }
  SECTION("no farm address") {
    const auto config = farm_config("vmac_invisible", "<rule port=\"80\"/>");
    auto in = inputs(config, "node1");
    in.planned.clear();
    CHECK_FALSE(build_filter_spec(in).ok());
  }
}
