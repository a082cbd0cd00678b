#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "intf_checker.hpp"
#include "ip_checker.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

using namespace haven;
using namespace haven::checker_netif;

namespace {

ConfigNode element(const std::string& name, const std::string& attribute, const std::string& value) {
  ConfigNode to;
  to.name = "to";
  to.attributes = {{attribute, value}};
  to.file = "/m/conf/userconfig.xml";
  to.line = 31;
  to.path = "safe/service/check/" + name + "/to";
  ConfigNode node;
  node.name = name;
  node.attributes = {{"ident", "x"}};
  node.children = {to};
  node.file = "/m/conf/userconfig.xml";
  node.line = 30;
  node.path = "safe/service/check/" + name;
  return node;
}

std::shared_ptr<BasicHostContext> context_for(ConfigNode node) {
  auto context = std::make_shared<BasicHostContext>();
  context->with_config(std::move(node));
  return context;
}

const std::vector<InterfaceAddress> kAddresses{{"lo", "127.0.0.1", true, true},
                                               {"eth0", "198.51.100.1", true, true},
                                               {"eth0", "198.51.100.50", true, true},
                                               {"eth1", "198.51.100.129", true, false},
                                               {"eth2", "2001:db8::1", false, false}};

}  // namespace

TEST_CASE("the ip checker is up while the address is on some interface") {
  CHECK(IpChecker::judge("198.51.100.50", kAddresses).up);
  CHECK(IpChecker::judge("198.51.100.50", kAddresses).reason == "198.51.100.50 is configured on eth0");
  auto gone = IpChecker::judge("198.51.100.51", kAddresses);
  CHECK_FALSE(gone.up);
  CHECK(gone.reason == "198.51.100.51 is not configured on any interface of this host");
}

TEST_CASE("the intf checker needs the interface up and with a carrier") {
  CHECK(IntfChecker::judge("198.51.100.1", kAddresses).up);
  CHECK(IntfChecker::judge("198.51.100.129", kAddresses).reason == "interface eth1 of 198.51.100.129 has no carrier");
  CHECK_FALSE(IntfChecker::judge("198.51.100.129", kAddresses).up);
  CHECK(IntfChecker::judge("2001:db8::1", kAddresses).reason == "interface eth2 of 2001:db8::1 is down");
  CHECK(IntfChecker::judge("198.51.100.9", kAddresses).reason == "no interface of this host holds 198.51.100.9");
}

TEST_CASE("the intf checker can watch an interface by name, as <vip> check=\"on\" generates it") {
  const std::vector<InterfaceAddress> links{{"eth0", "", true, true}, {"eth0", "198.51.100.1", true, true},
                                            {"eth1", "", true, false}, {"eth2", "", false, false}};
  CHECK(IntfChecker::judge_named("eth0", links).up);
  CHECK(IntfChecker::judge_named("eth1", links).reason == "interface eth1 has no carrier");
  CHECK(IntfChecker::judge_named("eth2", links).reason == "interface eth2 is down");
  CHECK(IntfChecker::judge_named("eth9", links).reason == "this host has no interface eth9");
  CHECK_FALSE(IpChecker::judge("", links).up);  // a link entry is no address
}

TEST_CASE("addresses are compared in canonical form, and bad ones are refused naming the place") {
  auto v6 = read_target_address(element("ip", "addr", "[2001:DB8:0::1]"), "addr", "haven.checker.ip");
  REQUIRE(v6);
  CHECK(*v6 == "2001:db8::1");
  auto bad = read_target_address(element("ip", "addr", "vip.example"), "addr", "haven.checker.ip");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        "haven.checker.ip: /m/conf/userconfig.xml:31 <safe/service/check/ip/to> addr has \"vip.example\", expected a "
        "numeric IPv4 or IPv6 address");
  ConfigNode no_to;
  no_to.name = "intf";
  no_to.path = "safe/service/check/intf";
  auto missing = read_target_address(no_to, "local_addr", "haven.checker.intf");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("has no <to local_addr=\"...\"/>") != std::string::npos);
}

TEST_CASE("the built plugins probe this host: loopback is there and up, a documentation address is not") {
  PluginHost host;
  REQUIRE(host.load_file(HAVEN_IP_PLUGIN_FILE));
  REQUIRE(host.load_file(HAVEN_INTF_PLUGIN_FILE));
  auto ip_here = host.make_checker("haven.checker.ip", context_for(element("ip", "addr", "127.0.0.1")));
  REQUIRE(ip_here);
  auto r = ip_here.value()->probe(std::chrono::milliseconds(1000));
  REQUIRE(r);
  CHECK(r->up);
  // Nothing here ever puts 198.51.100.0/24 in the root namespace.
  auto ip_absent = host.make_checker("haven.checker.ip", context_for(element("ip", "addr", "198.51.100.250")));
  REQUIRE(ip_absent);
  r = ip_absent.value()->probe(std::chrono::milliseconds(1000));
  REQUIRE(r);
  CHECK_FALSE(r->up);
  auto intf_lo = host.make_checker("haven.checker.intf", context_for(element("intf", "local_addr", "127.0.0.1")));
  REQUIRE(intf_lo);
  r = intf_lo.value()->probe(std::chrono::milliseconds(1000));
  REQUIRE(r);
  CHECK(r->up);
}

// In a network namespace of its own: a veth whose peer is down has no carrier.
TEST_CASE("the intf checker sees a link without carrier, and its return, in a private namespace") {
  if (::geteuid() != 0) {
    WARN("not root: cannot make a network namespace; this case is skipped");
    SUCCEED();
    return;
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(10);
    if (std::system("ip link add hv-a type veth peer name hv-b && ip addr add 198.51.100.1/24 dev hv-a && "
                    "ip link set hv-a up") != 0)
      ::_exit(11);
    IntfChecker checker("198.51.100.1");
    auto no_carrier = checker.probe(std::chrono::milliseconds(1000));
    if (!no_carrier || no_carrier->up || no_carrier->reason != "interface hv-a of 198.51.100.1 has no carrier") ::_exit(12);
    if (std::system("ip link set hv-b up") != 0) ::_exit(13);
    bool up = false;
    for (int i = 0; i < 300 && !up; ++i) {  // carrier comes a moment after the peer is set up
      auto r = checker.probe(std::chrono::milliseconds(1000));
      up = r && r->up;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!up) ::_exit(14);
    IntfChecker by_name("hv-a", true);
    auto named = by_name.probe(std::chrono::milliseconds(1000));
    if (!named || !named->up) ::_exit(17);
    if (std::system("ip link set hv-a down") != 0) ::_exit(15);
    auto down = checker.probe(std::chrono::milliseconds(1000));
    if (!down || down->up || down->reason != "interface hv-a of 198.51.100.1 is down") ::_exit(16);
    ::_exit(0);  // the namespace, and the veth in it, go away with this process
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  INFO("child exit code: 10 unshare, 11 ip setup, 12 no-carrier verdict, 13 peer up, 14 carrier never seen, "
       "15 link down, 16 down verdict, 17 by-name verdict");
  CHECK(WEXITSTATUS(status) == 0);
}
