// A lan's two addresses as cluster.xml writes them (IPv4, [IPv6], DNS names) turned into
// heartbeat endpoints of one family. Fake resolvers stand for DNS; only "localhost" goes
// through the system's resolver (answered from /etc/hosts, no network).
#include <catch2/catch.hpp>

#include "agent/lan_endpoints.hpp"

using boost::asio::ip::address;
using boost::asio::ip::make_address;
using haven::HeartbeatLanEnds;
using haven::LanEndNames;
using haven::resolve_lan_ends;

namespace {

const LanEndNames kNames{"node1", "node2", "/etc/haven/cluster.xml"};

// A resolver that must not be asked: literals never reach DNS.
haven::Result<std::vector<address>> no_dns(const std::string& name) {
  FAIL("the resolver was asked for " << name);
  return std::vector<address>{};
}

}  // namespace

TEST_CASE("IPv4 and [IPv6] literals become endpoints on the module's port without asking DNS", "[agent][lan]") {
  auto v4 = resolve_lan_ends({"default", "127.0.0.1", "127.0.0.2"}, 28700, kNames, no_dns);
  REQUIRE(v4.ok());
  CHECK(v4->name == "default");
  CHECK(v4->local.address() == make_address("127.0.0.1"));
  CHECK(v4->peer.address() == make_address("127.0.0.2"));
  CHECK(v4->local.port() == 28700);
  CHECK(v4->peer.port() == 28700);

  auto v6 = resolve_lan_ends({"repli", "[::1]", "[2001:db8::2]"}, 8888, kNames, no_dns);
  REQUIRE(v6.ok());
  CHECK(v6->local.address() == make_address("::1"));
  CHECK(v6->peer.address() == make_address("2001:db8::2"));
}

TEST_CASE("a DNS name such as localhost resolves through the system's resolver", "[agent][lan]") {
  auto resolved = haven::resolve_with_system("localhost");
  INFO((resolved.ok() ? std::string("ok") : resolved.error().message));
  REQUIRE(resolved.ok());
  REQUIRE_FALSE(resolved->empty());
  for (const auto& a : *resolved) CHECK(a.is_loopback());

  auto lan = resolve_lan_ends({"lanAB", "localhost", "127.0.0.2"}, 28701, kNames);
  REQUIRE(lan.ok());
  CHECK(lan->local.address() == make_address("127.0.0.1"));
  CHECK(lan->peer.address() == make_address("127.0.0.2"));
}

TEST_CASE("a name with IPv4 and IPv6 answers takes the family the other end has, IPv4 first", "[agent][lan]") {
  auto both = [](const std::string&) -> haven::Result<std::vector<address>> {
    return std::vector<address>{make_address("2001:db8::7"), make_address("192.0.2.7")};
  };
  auto with_v4 = resolve_lan_ends({"default", "n1.example.com", "192.0.2.8"}, 8888, kNames, both);
  REQUIRE(with_v4.ok());
  CHECK(with_v4->local.address() == make_address("192.0.2.7"));

  auto with_v6 = resolve_lan_ends({"default", "n1.example.com", "[2001:db8::8]"}, 8888, kNames, both);
  REQUIRE(with_v6.ok());
  CHECK(with_v6->local.address() == make_address("2001:db8::7"));

  auto both_names = resolve_lan_ends({"default", "n1.example.com", "n2.example.com"}, 8888, kNames, both);
  REQUIRE(both_names.ok());
  CHECK(both_names->local.address().is_v4());
  CHECK(both_names->peer.address().is_v4());
}

TEST_CASE("a name that does not resolve is refused naming the node, the lan, the name and the resolver's answer",
          "[agent][lan]") {
  auto unknown = [](const std::string&) -> haven::Result<std::vector<address>> {
    return haven::fail(haven::Errc::not_found, "Host not found (authoritative)");
  };
  auto r = resolve_lan_ends({"lanAB", "127.0.0.1", "node2.example.com"}, 8888, kNames, unknown);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::not_found);
  const auto& m = r.error().message;
  CHECK_THAT(m, Catch::Contains("node node2's address \"node2.example.com\" on lan \"lanAB\" in /etc/haven/cluster.xml"));
  CHECK_THAT(m, Catch::Contains("does not resolve: Host not found (authoritative)"));
  CHECK_THAT(m, Catch::Contains("write an IP address"));
}

TEST_CASE("ends with no family in common are refused naming both addresses", "[agent][lan]") {
  auto v6_only = [](const std::string&) -> haven::Result<std::vector<address>> {
    return std::vector<address>{make_address("2001:db8::9")};
  };
  auto r = resolve_lan_ends({"default", "127.0.0.1", "n2.example.com"}, 8888, kNames, v6_only);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("node node1's address \"127.0.0.1\" is 127.0.0.1"));
  CHECK_THAT(r.error().message, Catch::Contains("node node2's \"n2.example.com\" is 2001:db8::9"));
  CHECK_THAT(r.error().message, Catch::Contains("one family"));
}
