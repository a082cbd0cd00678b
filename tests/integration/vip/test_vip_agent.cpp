// The agent and havend with a module that has a <vip>, in a network namespace of the test's
// own holding a veth pair in 198.51.100.0/24.
#include <signal.h>

#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "ip_json.hpp"
#include "private_netns.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::vip::testing::ip_json_has;
using haven::vip::testing::PrivateNetns;
namespace fs = std::filesystem;

namespace {

const char* const kVip = "198.51.100.50/24";

std::string vip_userconfig() {
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"3\" loop_interval=\"24h\" failover=\"on\">\n"
         "    <heart pulse=\"700ms\" timeout=\"30s\">\n"
         "      <heartbeat name=\"default\" ident=\"flow\"/>\n"
         "    </heart>\n"
         "    <vip>\n"
         "      <interface_list>\n"
         "        <interface check=\"on\" arpreroute=\"on\">\n"
         "          <real_interface>\n"
         "            <virtual_addr addr=\"198.51.100.50\" where=\"one_side_alias\"/>\n"
         "          </real_interface>\n"
         "        </interface>\n"
         "      </interface_list>\n"
         "    </vip>\n"
         "    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n"
         "  </service>\n"
         "</safe>\n";
}

// vh0 (198.51.100.1/24) and its veth peer vh1.
void make_lan(const PrivateNetns& ns) { ns.make_veth_pair(); }

void install_and_prim(const HavenTestNode& node) {
  auto safe = haven::test::pack_module(node.work_dir(), "vt", {vip_userconfig(), haven::test::recording_hooks()});
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  auto prim = node.haven({"prim", "-m", "vt"});
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
}

// The index of the first line of the module log that contains `text`; -1 when none.
long log_line(const HavenTestNode& node, const std::string& text) {
  const auto lines = haven::test::read_lines(node.module_log("vt"));
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(text) != std::string::npos) return static_cast<long>(i);
  return -1;
}

fs::path record_of(const HavenTestNode& node) { return node.paths().run_dir() / "vips" / "vt.json"; }

}  // namespace

TEST_CASE("a primary holds its virtual IP from just after start_prim to just before stop_prim", "[integration][vip]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  make_lan(*ns);
  HavenTestNode node;
  install_and_prim(node);

  const auto state = node.module_state("vt");
  INFO(state.dump());
  CHECK(state.value("state", "") == "ALONE");
  REQUIRE(state.contains("vips"));
  REQUIRE(state["vips"].size() == 1);
  CHECK(state["vips"][0].value("address", "") == "198.51.100.50");
  CHECK(state["vips"][0].value("interface", "") == "vh0");
  CHECK(ip_json_has(*ns, "vh0", kVip));
  CHECK(fs::exists(record_of(node)));

  auto stop = node.haven({"stop", "-m", "vt"});
  INFO(stop.describe());
  REQUIRE(stop.exit_code == 0);
  CHECK_FALSE(ip_json_has(*ns, "vh0", kVip));
  CHECK_FALSE(fs::exists(record_of(node)));

  const auto start_prim = log_line(node, "running hook start_prim");
  const auto set = log_line(node, "virtual IP 198.51.100.50/24 on vh0 (label vh0:0) set");
  const auto start_sec = log_line(node, "running hook start_sec");
  const auto removed = log_line(node, "virtual IP 198.51.100.50/24 on vh0 (label vh0:0) removed");
  const auto stop_prim = log_line(node, "running hook stop_prim");
  CHECK(start_prim >= 0);
  CHECK(start_prim < set);
  CHECK(set < start_sec);
  CHECK(removed >= 0);
  CHECK(removed < stop_prim);
}

TEST_CASE("havend removes the virtual IP of an agent killed with -9", "[integration][vip]") {
  HAVEN_ENTER_PRIVATE_NETNS(ns);
  make_lan(*ns);
  HavenTestNode node;
  install_and_prim(node);
  REQUIRE(ip_json_has(*ns, "vh0", kVip));
  const auto pid = node.module_state("vt").value("pid", 0);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  CHECK(haven::test::wait_until([&] { return !ip_json_has(*ns, "vh0", kVip); }, 30s));
  CHECK(haven::test::wait_until([&] { return !fs::exists(record_of(node)); }, 30s));
  CHECK(log_line(node, "crash clean-up: removed virtual IP 198.51.100.50/24 on vh0") >= 0);
}
