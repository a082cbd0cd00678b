// apply(), remove() and check() against libnftables and the kernel, each case in a private
// network namespace holding a veth pair vh0/vh1 (root only; WARN + skip otherwise). What the
// rules do to packets is tests/integration/load_filter.
#include <catch2/catch.hpp>

#include <string>

#include "load_filter/load_filter.hpp"
#include "load_filter/promiscuous_mode.hpp"
#include "private_netns.hpp"

using namespace haven::load_filter;
using haven::vip::testing::PrivateNetns;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

Spec spec_on_vh0(MacMode mode) {
  Spec s;
  s.module = "web farm";  // a space: the table name is mapped
  s.interface = "vh0";
  s.node_ipv4 = "198.51.100.1";
  s.vips = {"198.51.100.100"};
  if (mode == MacMode::vmac_invisible) s.vips.push_back("2001:db8::100");
  s.mode = mode;
  s.node = "node1";
  s.arp_owner = "node1";
  Group g;
  g.name = "FarmProto";
  Rule tcp;
  tcp.port = 7000;
  g.rules.push_back(tcp);
  Rule udp;
  udp.proto = Protocol::udp;
  udp.filter = HashKey::on_port;
  g.rules.push_back(udp);
  for (std::size_t b = 0; b < 128; ++b) g.mine.set(b);
  if (mode == MacMode::vmac_directed) {
    PeerShare peer;
    peer.node = "node2";
    peer.ipv4 = "198.51.100.2";
    for (std::size_t b = 128; b < 256; ++b) peer.buckets.set(b);
    g.peers.push_back(peer);
  }
  s.groups.push_back(g);
  return s;
}

std::string require_ok(const haven::Status& st) {
  INFO((st ? std::string() : st.error().message));
  REQUIRE(st);
  return {};
}

}  // namespace

TEST_CASE("apply installs the three tables and turns promiscuous mode on; remove takes both back",
          "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  const std::string table = table_name("web farm");
  require_ok(apply(spec_on_vh0(MacMode::vmac_invisible)));
  const std::string tables = ns->run("nft list tables");
  CHECK(count(tables, "table inet " + table) == 1);
  CHECK(count(tables, "table arp " + table) == 1);
  CHECK(count(tables, "table netdev " + table) == 1);
  CHECK(*promiscuous("vh0"));
  const std::string inet = ns->run("nft list table inet " + table);
  CHECK(count(inet, "promiscuous-by-haven=vh0") == 1);
  CHECK(count(inet, "elements = { 0-127 }") == 1);
  CHECK(count(inet, "jhash ct original ip saddr mod 256 seed 0x6861766e @g0_mine") == 1);

  require_ok(haven::load_filter::remove("web farm"));
  CHECK(count(ns->run("nft list tables"), "haven_") == 0);
  CHECK_FALSE(*promiscuous("vh0"));
  require_ok(haven::load_filter::remove("web farm"));  // idempotent
}

TEST_CASE("a re-deal replaces the buckets and keeps one copy of each table and haven's promiscuous record",
          "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  const std::string table = table_name("web farm");
  Spec spec = spec_on_vh0(MacMode::vmac_invisible);
  require_ok(apply(spec));
  spec.groups[0].mine.reset();
  spec.groups[0].mine.set(3);
  spec.groups[0].mine.set(250);
  require_ok(apply(spec));
  CHECK(count(ns->run("nft list tables"), table) == 3);
  const std::string inet = ns->run("nft list table inet " + table);
  CHECK(count(inet, "elements = { 3, 250 }") == 1);
  CHECK(count(inet, "0-127") == 0);
  CHECK(count(inet, "promiscuous-by-haven=vh0") == 1);  // haven's, not the administrator's
  require_ok(haven::load_filter::remove("web farm"));
  CHECK_FALSE(*promiscuous("vh0"));
}

TEST_CASE("promiscuous mode an administrator set stays on after remove", "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  ns->run("ip link set vh0 promisc on");
  require_ok(apply(spec_on_vh0(MacMode::vmac_invisible)));
  CHECK(count(ns->run("nft list table inet " + table_name("web farm")), "promiscuous-by-haven=none") == 1);
  require_ok(haven::load_filter::remove("web farm"));
  CHECK(*promiscuous("vh0"));
}

TEST_CASE("apply and remove leave a table haven did not create untouched", "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  ns->run("nft 'add table inet not_haven; add chain inet not_haven c { type filter hook input priority 0; }; "
          "add rule inet not_haven c tcp dport 22 counter accept'");
  const std::string before = ns->run("nft list table inet not_haven");
  require_ok(apply(spec_on_vh0(MacMode::vmac_invisible)));
  require_ok(haven::load_filter::remove("web farm"));
  CHECK(ns->run("nft list table inet not_haven") == before);
}

TEST_CASE("vmac_directed installs the ARP owner's forwarding and leaves promiscuous mode alone",
          "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  require_ok(apply(spec_on_vh0(MacMode::vmac_directed)));
  const std::string netdev = ns->run("nft list table netdev " + table_name("web farm"));
  CHECK(count(netdev, "fwd ip to 198.51.100.2 device \"vh0\"") == 1);
  CHECK(count(netdev, "vmap @g0_forward") == 2);
  CHECK_FALSE(*promiscuous("vh0"));
  require_ok(haven::load_filter::remove("web farm"));
}

TEST_CASE("switching from vmac_invisible to vmac_directed turns off the promiscuous mode haven set",
          "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  require_ok(apply(spec_on_vh0(MacMode::vmac_invisible)));
  CHECK(*promiscuous("vh0"));
  require_ok(apply(spec_on_vh0(MacMode::vmac_directed)));
  CHECK_FALSE(*promiscuous("vh0"));
  require_ok(haven::load_filter::remove("web farm"));
}

TEST_CASE("when nft refuses, the error names the module, the interface and nft's words, and the old rules stay",
          "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  require_ok(apply(spec_on_vh0(MacMode::vmac_directed)));
  const std::string before = ns->run("nft list ruleset");
  Spec missing = spec_on_vh0(MacMode::vmac_directed);
  missing.interface = "nothere0";
  auto st = apply(missing);
  REQUIRE_FALSE(st);
  INFO(st.error().message);
  CHECK(st.error().code == haven::Errc::io_error);
  CHECK(count(st.error().message, "module 'web farm'") == 1);
  CHECK(count(st.error().message, "interface 'nothere0'") == 1);
  CHECK(count(st.error().message, "nft refused the rules") == 1);
  CHECK(count(st.error().message, "Error:") >= 1);  // nft's own message
  CHECK(ns->run("nft list ruleset") == before);
  require_ok(haven::load_filter::remove("web farm"));
}

TEST_CASE("an interface that does not exist in vmac_invisible is not_found, naming it", "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  Spec spec = spec_on_vh0(MacMode::vmac_invisible);
  spec.interface = "nothere0";
  auto st = apply(spec);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == haven::Errc::not_found);
  CHECK(count(st.error().message, "nothere0") >= 1);
  CHECK(count(ns->run("nft list tables"), "haven_") == 0);
}

TEST_CASE("check() lets nft evaluate the rules without installing them", "[load_filter][netns]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  require_ok(check(spec_on_vh0(MacMode::vmac_invisible)));
  require_ok(check(spec_on_vh0(MacMode::vmac_directed)));
  CHECK(count(ns->run("nft list tables"), "haven_") == 0);
}
