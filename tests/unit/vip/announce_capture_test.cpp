#include <catch2/catch.hpp>

#include "frame_capture.hpp"
#include "private_netns.hpp"
#include "vip/address_announcer.hpp"
#include "vip/netlink_addresses.hpp"

using namespace haven::vip;
using namespace haven::vip::testing;

namespace {

const std::vector<std::uint8_t> kBroadcast(6, 0xFF);

std::vector<std::uint8_t> slice(const Frame& f, std::size_t at, std::size_t n) {
  return std::vector<std::uint8_t>(f.begin() + static_cast<long>(at), f.begin() + static_cast<long>(at + n));
}

}  // namespace

TEST_CASE("a gratuitous ARP request and reply for the VIP reach the other end of the link") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  auto vh0 = nl->link("vh0");
  REQUIRE(vh0.ok());
  FrameCapture capture(interface_index("vh1"));
  const auto vip = *parse_ip_address("198.51.100.50");
  REQUIRE(nl->add({"vh0", IpPrefix{vip, 24}, "vh0:0"}).ok());
  REQUIRE(announce(AnnounceTarget{vh0->index, "vh0", vh0->mac, vip}).ok());

  const std::vector<std::uint8_t> mac(vh0->mac.begin(), vh0->mac.end());
  const std::vector<std::uint8_t> ip{198, 51, 100, 50};
  for (std::uint8_t op : {1, 2}) {
    INFO("ARP operation " << int(op));
    auto frame = capture.wait_for([op](const Frame& f) { return ethertype(f) == 0x0806 && f.size() >= 42 && f[21] == op; });
    REQUIRE(frame);
    CHECK(slice(*frame, 0, 6) == kBroadcast);     // Ethernet destination
    CHECK(slice(*frame, 6, 6) == mac);            // Ethernet source
    CHECK(slice(*frame, 22, 6) == mac);           // sender hardware address
    CHECK(slice(*frame, 28, 4) == ip);            // sender protocol address
    CHECK(slice(*frame, 38, 4) == ip);            // target protocol address
    CHECK(slice(*frame, 32, 6) == (op == 1 ? std::vector<std::uint8_t>(6, 0) : mac));
  }
}

TEST_CASE("an unsolicited neighbour advertisement for the VIP reaches the other end of the link") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  auto vh0 = nl->link("vh0");
  REQUIRE(vh0.ok());
  FrameCapture capture(interface_index("vh1"));
  const auto vip = *parse_ip_address("2001:db8::50");
  REQUIRE(nl->add({"vh0", IpPrefix{vip, 64}, ""}).ok());
  REQUIRE(announce(AnnounceTarget{vh0->index, "vh0", vh0->mac, vip}).ok());

  const auto target = vip.to_v6().to_bytes();
  const std::vector<std::uint8_t> target_bytes(target.begin(), target.end());
  // Ethernet 14 + IPv6 40: the ICMPv6 message starts at 54.
  auto frame = capture.wait_for([&](const Frame& f) {
    return ethertype(f) == 0x86DD && f.size() >= 54 + 32 && f[20] == 58 && f[54] == 136 &&
           slice(f, 62, 16) == target_bytes;
  });
  REQUIRE(frame);
  const std::vector<std::uint8_t> all_nodes_mac{0x33, 0x33, 0, 0, 0, 1};
  const std::vector<std::uint8_t> mac(vh0->mac.begin(), vh0->mac.end());
  CHECK(slice(*frame, 0, 6) == all_nodes_mac);
  CHECK((*frame)[21] == 255);                         // hop limit
  CHECK(slice(*frame, 22, 16) == target_bytes);       // source: the VIP
  auto all_nodes = boost::asio::ip::make_address_v6("ff02::1").to_bytes();
  CHECK(slice(*frame, 38, 16) == std::vector<std::uint8_t>(all_nodes.begin(), all_nodes.end()));
  CHECK(((*frame)[58] & 0xE0) == 0x20);               // override only
  CHECK((*frame)[78] == 2);                           // target link-layer address option
  CHECK(slice(*frame, 80, 6) == mac);
}

TEST_CASE("announcing on an interface that is down says so") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  ns->run("ip link set vh0 down");
  auto nl = NetlinkAddresses::open();
  REQUIRE(nl.ok());
  auto vh0 = nl->link("vh0");
  REQUIRE(vh0.ok());
  auto st = announce(AnnounceTarget{vh0->index, "vh0", vh0->mac, *parse_ip_address("198.51.100.50")});
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("198.51.100.50 on vh0"));
}
