#include <catch2/catch.hpp>

#include "vip/address_announcer.hpp"

using namespace haven::vip;

namespace {
const MacAddress kMac{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
}

TEST_CASE("a gratuitous ARP request names the VIP as sender and target with a zero target MAC") {
  const auto p = gratuitous_arp(kMac, boost::asio::ip::make_address_v4("198.51.100.50"), ArpOperation::request);
  const std::vector<std::uint8_t> header{0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
  CHECK(std::vector<std::uint8_t>(p.begin(), p.begin() + 8) == header);
  CHECK(std::equal(kMac.begin(), kMac.end(), p.begin() + 8));
  const std::vector<std::uint8_t> vip{198, 51, 100, 50};
  CHECK(std::vector<std::uint8_t>(p.begin() + 14, p.begin() + 18) == vip);
  CHECK(std::vector<std::uint8_t>(p.begin() + 18, p.begin() + 24) == std::vector<std::uint8_t>(6, 0));
  CHECK(std::vector<std::uint8_t>(p.begin() + 24, p.begin() + 28) == vip);
}

TEST_CASE("a gratuitous ARP reply carries the owner's MAC as target hardware address too") {
  const auto p = gratuitous_arp(kMac, boost::asio::ip::make_address_v4("198.51.100.50"), ArpOperation::reply);
  CHECK(p[7] == 2);
  CHECK(std::equal(kMac.begin(), kMac.end(), p.begin() + 18));
}

TEST_CASE("an unsolicited neighbour advertisement overrides, is not solicited, and carries the MAC") {
  const auto target = boost::asio::ip::make_address_v6("2001:db8::50");
  const auto m = unsolicited_neighbour_advertisement(kMac, target);
  CHECK(m[0] == 136);
  CHECK(m[1] == 0);
  CHECK(m[4] == 0x20);  // O set, R and S clear
  const auto bytes = target.to_bytes();
  CHECK(std::equal(bytes.begin(), bytes.end(), m.begin() + 8));
  CHECK(m[24] == 2);  // target link-layer address option
  CHECK(m[25] == 1);
  CHECK(std::equal(kMac.begin(), kMac.end(), m.begin() + 26));
}
