// Table names, interface names and MAC addresses of the load filter.
#include <catch2/catch.hpp>

#include "load_filter/filter_spec.hpp"

using namespace haven::load_filter;

TEST_CASE("a module's tables are named haven_ and the module name when it is a plain name", "[load_filter]") {
  CHECK(table_name("web") == "haven_web");
  CHECK(table_name("farm.web-2_a") == "haven_farm.web-2_a");
  CHECK(is_haven_table_name(table_name("farm.web-2_a")));
}

TEST_CASE("characters nft names cannot hold are mapped, and two modules never share a table", "[load_filter]") {
  const std::string spaced = table_name("my farm");
  const std::string underscored = table_name("my_farm");
  const std::string quoted = table_name("my\"farm; flush ruleset");
  CHECK(spaced.rfind("haven_my_farm_", 0) == 0);
  CHECK(spaced != underscored);
  CHECK(is_haven_table_name(spaced));
  CHECK(is_haven_table_name(quoted));
  CHECK(quoted.find('"') == std::string::npos);
  CHECK(quoted.find(' ') == std::string::npos);
  CHECK(table_name("my farm") == spaced);  // stable: every node and every run agree
  CHECK(table_name("é") != table_name("è"));
  CHECK(is_haven_table_name(table_name("")));
  CHECK(table_name("") != "haven_");
}

TEST_CASE("very long module names give table names nft accepts, still distinct", "[load_filter]") {
  const std::string a(300, 'a');
  std::string b = a;
  b.back() = 'b';
  CHECK(table_name(a).size() <= 64);
  CHECK(is_haven_table_name(table_name(a)));
  CHECK(table_name(a) != table_name(b));
}

TEST_CASE("only haven_ names made of nft identifier characters are haven table names", "[load_filter]") {
  CHECK_FALSE(is_haven_table_name("not_haven"));
  CHECK_FALSE(is_haven_table_name("haven_"));
  CHECK_FALSE(is_haven_table_name("haven_a b"));
  CHECK_FALSE(is_haven_table_name("filter"));
}

TEST_CASE("interface names are 1 to 15 safe characters", "[load_filter]") {
  CHECK(is_valid_interface_name("eth0"));
  CHECK(is_valid_interface_name("br-lan1.100"));
  CHECK_FALSE(is_valid_interface_name(""));
  CHECK_FALSE(is_valid_interface_name("eth0:1"));
  CHECK_FALSE(is_valid_interface_name("eth0\" device x"));
  CHECK_FALSE(is_valid_interface_name("abcdefghijklmnop"));
}

TEST_CASE("MAC addresses parse with ':' or '-' and print in lower case", "[load_filter]") {
  auto mac = parse_mac("5A:FE:00:01:02:0f");
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "5a:fe:00:01:02:0f");
  CHECK(parse_mac("02-00-5e-00-00-01"));
  CHECK_FALSE(parse_mac("02:00:5e:00:00"));
  CHECK_FALSE(parse_mac("02:00:5e:00:00:0g"));
  CHECK_FALSE(parse_mac("0200:5e:00:00:01:"));
}

TEST_CASE("the derived virtual MAC is locally administered unicast, from the module id and the first IPv4 VIP",
          "[load_filter]") {
  auto mac = derive_virtual_mac(7, {"2001:db8::100", "198.51.100.100"});
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "02:07:c6:33:64:64");
  CHECK(((*mac)[0] & 0x01) == 0);  // unicast
  CHECK(((*mac)[0] & 0x02) != 0);  // locally administered
  CHECK(format_mac(*derive_virtual_mac(0x1203, {"198.51.100.100"})) == "02:03:c6:33:64:64");
}

TEST_CASE("an IPv6-only module derives its virtual MAC from the last four bytes of its VIP", "[load_filter]") {
  auto mac = derive_virtual_mac(1, {"2001:db8::a:100"});
  REQUIRE(mac);
  CHECK(format_mac(*mac) == "02:01:00:0a:01:00");
  CHECK_FALSE(derive_virtual_mac(1, {"not an address"}));
}
