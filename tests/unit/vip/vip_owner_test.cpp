#include <catch2/catch.hpp>

#include <filesystem>

#include "frame_capture.hpp"
#include "ip_json.hpp"
#include "private_netns.hpp"
#include "vip/address_announcer.hpp"
#include "vip/vip_owner.hpp"
#include "vip/vip_record.hpp"
#include "vip_test_support.hpp"

using namespace haven::vip;
using namespace haven::vip::testing;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& name)
      : dir(fs::temp_directory_path() / ("haven-vip-owner-" + std::to_string(::getpid()) + "-" + name)) {
    fs::remove_all(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  fs::path record() const { return dir / "run" / "vips" / "web.json"; }
};

VipOwnerOptions options_for(const fs::path& record) {
  VipOwnerOptions o;
  o.module = "web";
  haven::config::VipInterface i;
  i.real_interface = {virtual_addr("198.51.100.50"), virtual_addr("2001:db8::50")};
  o.vip.interfaces = {i};
  o.record_file = record;
  return o;
}

}  // namespace

TEST_CASE("take puts every VIP on the interface of its subnet, release removes them and the record") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  Scratch scratch("take");
  VipOwner owner(options_for(scratch.record()));
  REQUIRE(owner.configured());
  REQUIRE(owner.take(Clock::now()).ok());
  CHECK(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  CHECK(ip_json_has(*ns, "vh0", "2001:db8::50/64"));
  CHECK(owner.held().size() == 2);
  auto recorded = load_vip_record(scratch.record());
  REQUIRE(recorded.ok());
  CHECK(recorded->size() == 2);

  REQUIRE(owner.release().ok());
  CHECK_FALSE(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  CHECK_FALSE(ip_json_has(*ns, "vh0", "2001:db8::50/64"));
  CHECK(ip_json_has(*ns, "vh0", "198.51.100.1/24"));
  CHECK_FALSE(fs::exists(scratch.record()));
  CHECK(owner.held().empty());
}

TEST_CASE("the record holds every address before the first one is added") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  Scratch scratch("order");
  auto options = options_for(scratch.record());
  std::vector<std::size_t> recorded_when_set;
  options.info = [&](const std::string& message) {
    if (message.find(" set") == std::string::npos) return;
    auto recorded = load_vip_record(scratch.record());
    recorded_when_set.push_back(recorded.ok() ? recorded->size() : 0);
  };
  VipOwner owner(options);
  REQUIRE(owner.take(Clock::now()).ok());
  CHECK(recorded_when_set == std::vector<std::size_t>{2, 2});
  REQUIRE(owner.release().ok());
}

TEST_CASE("take and release may be repeated") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  Scratch scratch("repeat");
  VipOwner owner(options_for(scratch.record()));
  REQUIRE(owner.take(Clock::now()).ok());
  ns->run("ip addr del 198.51.100.50/24 dev vh0");  // someone removed one by hand
  REQUIRE(owner.take(Clock::now()).ok());
  CHECK(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  REQUIRE(owner.release().ok());
  REQUIRE(owner.release().ok());
  CHECK_FALSE(ip_json_has(*ns, "vh0", "2001:db8::50/64"));
}

TEST_CASE("after the owner dies, remove_recorded removes what it recorded") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  Scratch scratch("crash");
  {
    VipOwner owner(options_for(scratch.record()));
    REQUIRE(owner.take(Clock::now()).ok());
  }  // the agent is gone without releasing: its addresses are still there
  REQUIRE(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  std::vector<std::string> removed;
  REQUIRE(remove_recorded(scratch.record(), [&](const std::string& a) { removed.push_back(a); }).ok());
  CHECK(removed.size() == 2);
  CHECK_FALSE(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  CHECK_FALSE(ip_json_has(*ns, "vh0", "2001:db8::50/64"));
  CHECK_FALSE(fs::exists(scratch.record()));
  CHECK(remove_recorded(scratch.record()).ok());  // nothing left: nothing to do
}

TEST_CASE("a takeover that fails half way removes what it added and says which address failed") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  ns->run("ip -6 addr add 2001:db8:2::1/64 dev vh1 nodad");
  ns->run("sysctl -q -w net.ipv6.conf.vh1.disable_ipv6=1");  // drops vh1's IPv6 and refuses new ones
  ns->run("ip addr add 198.51.100.129/25 dev vh1");
  Scratch scratch("undo");
  auto options = options_for(scratch.record());
  // The second address is placed on vh1 by name, where the kernel will refuse it.
  haven::config::VipInterface named;
  named.name = "vh1";
  named.real_interface = {virtual_addr("2001:db8:2::50")};
  options.vip.interfaces.push_back(named);
  VipOwner owner(options);
  auto st = owner.take(Clock::now());
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("module web") && Catch::Contains("2001:db8:2::50/128 on vh1"));
  CHECK_FALSE(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  CHECK_FALSE(ip_json_has(*ns, "vh0", "2001:db8::50/64"));
  CHECK_FALSE(fs::exists(scratch.record()));
  CHECK(owner.held().empty());
}

TEST_CASE("a VIP with no interface in its subnet changes nothing and names the interfaces") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  Scratch scratch("nowhere");
  auto options = options_for(scratch.record());
  options.vip.interfaces[0].real_interface.push_back(virtual_addr("203.0.113.9"));
  VipOwner owner(options);
  auto st = owner.take(Clock::now());
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("203.0.113.9: no interface has an address in its subnet"));
  CHECK_THAT(st.error().message, Catch::Contains("vh0 198.51.100.1/24"));
  CHECK_FALSE(ip_json_has(*ns, "vh0", "198.51.100.50/24"));
  CHECK_FALSE(fs::exists(scratch.record()));
}

TEST_CASE("take announces the VIP at once and refresh follows the burst schedule") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  ns->make_veth_pair();
  Scratch scratch("refresh");
  FrameCapture capture(interface_index("vh1"));
  auto options = options_for(scratch.record());
  options.vip.interfaces[0].arpreroute = true;
  options.vip.interfaces[0].arpinterval = std::chrono::seconds(10);
  options.vip.interfaces[0].arpelapse = std::chrono::seconds(20);
  VipOwner owner(options);
  const Clock::time_point t0 = Clock::now();
  REQUIRE(owner.take(t0).ok());
  auto is_arp_for_vip = [](const Frame& f) {
    return ethertype(f) == 0x0806 && f.size() >= 42 && f[28] == 198 && f[29] == 51 && f[30] == 100 && f[31] == 50;
  };
  CHECK(capture.wait_for(is_arp_for_vip));

  // Simulated time: nothing due before the first burst round, then both addresses.
  CHECK(owner.refresh(t0 + std::chrono::milliseconds(10)) == 0);
  REQUIRE(owner.next_refresh(t0) == t0 + kTakeoverSpacing);
  CHECK(owner.refresh(t0 + kTakeoverSpacing) == 2);
  CHECK(owner.refresh(t0 + kTakeoverSpacing) == 0);
  CHECK(owner.next_refresh(t0 + std::chrono::seconds(5)) == t0 + std::chrono::seconds(10));
  CHECK(owner.refresh(t0 + std::chrono::seconds(10)) == 2);
  CHECK(owner.next_refresh(t0 + std::chrono::seconds(20)) == std::nullopt);
  CHECK(owner.checks().size() == 3);  // intf vh0, ip for each address
  REQUIRE(owner.release().ok());
  CHECK(owner.next_refresh(t0) == std::nullopt);
}
