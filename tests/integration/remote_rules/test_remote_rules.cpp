// Failover rules over the peer's resources (`remote.class.id`) on a real pair: a resource
// that node2's script sets reaches node1 in node2's heartbeats and node1's rule acts on it;
// when node2 is lost its resources read unknown again and the rule lets go.
#include <catch2/catch.hpp>

#include "mirror_pair_nodes.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;

namespace {

constexpr int kTextRulePort = 29801;
constexpr int kLuaRulePort = 29802;
constexpr int kEveryRulePort = 29803;

MirrorPairSettings settings_with_rules(int heart_port, const std::string& rules) {
  MirrorPairSettings s;
  s.heart_port = heart_port;
  s.cluster_port = heart_port + 50;
  s.service_children = "<failover period=\"100ms\" handle_time=\"300ms\"><![CDATA[" + rules + "]]></failover>";
  return s;
}

bool log_has(MirrorPairNodes& pair, int n, const std::string& fragment) {
  return pair.module_log(n).find(fragment) != std::string::npos;
}

void set_on_node2(MirrorPairNodes& pair, const std::string& resource, const std::string& value) {
  auto set = pair.node2().haven({"set", "-r", resource, "-v", value, "-m", MirrorPairNodes::kModule});
  INFO(set.describe());
  REQUIRE(set.exit_code == 0);
}

void set_peerdb(MirrorPairNodes& pair, const std::string& value) { set_on_node2(pair, "custom.peerdb", value); }

}  // namespace

TEST_CASE("a rule over the peer's resource acts when the peer's script sets it, and lets go when it clears",
          "[integration][pair][rules]") {
  MirrorPairNodes pair(
      settings_with_rules(kTextRulePort, "\n r1: if (remote.custom.peerdb == down) then wait();\n"));
  pair.pair_up();

  set_peerdb(pair, "down");
  const bool acted =
      haven::test::wait_until([&] { return log_has(pair, 1, "Action wait called by failover rule r1"); }, 15s);
  INFO(pair.module_log(1));
  REQUIRE(acted);
  auto held = pair.wait_for(1, "WAIT", "NotReady", 15s);
  INFO(held.dump());
  CHECK(held.value("state", "") == "WAIT");
  CHECK(held.value("reason", "").find("rule r1") != std::string::npos);
  // haven state -v shows what the rule read, and --json carries it.
  auto verbose = pair.command(1, "state", {"-v"});
  INFO(verbose.describe());
  CHECK_THAT(verbose.out, Catch::Matches("[\\s\\S]*remote\\.custom\\.peerdb +down +from the peer's heartbeats[\\s\\S]*"));
  CHECK(held.contains("peer_resources"));
  CHECK(held["peer_resources"].value("custom.peerdb", "") == "down");
  // node2's own copy of the rule reads node1's custom.peerdb, which nobody set: unknown.
  CHECK_FALSE(log_has(pair, 2, "called by failover rule r1"));

  set_peerdb(pair, "up");
  const bool released =
      haven::test::wait_until([&] { return log_has(pair, 1, "failover rule r1 no longer holds module"); }, 15s);
  INFO(pair.module_log(1));
  CHECK(released);
  auto back = pair.wait_for(1, "SECOND", "", 20s);
  INFO(back.dump() << "\n" << pair.state(2).dump());
  CHECK(back.value("state", "") == "SECOND");
}

TEST_CASE("a Lua rule over remote.class.? acts on the peer's resource, and lets go once the peer is lost",
          "[integration][pair][rules]") {
  MirrorPairNodes pair(settings_with_rules(
      kLuaRulePort, "--Lua Rules\nRules = Rules + {r2 = if_then(\"remote.custom.?\", \"down\", Action.wait)}\n"));
  pair.pair_up();

  set_peerdb(pair, "down");
  const bool acted =
      haven::test::wait_until([&] { return log_has(pair, 1, "Action wait called by failover rule r2"); }, 15s);
  INFO(pair.module_log(1));
  REQUIRE(acted);
  CHECK(pair.wait_for(1, "WAIT", "NotReady", 15s).value("state", "") == "WAIT");

  // node2's agent dies: once every lan is silent node1 forgets node2's resources, so
  // remote.custom.? no longer compares down.
  REQUIRE(pair.kill_agent(2));
  const bool released = haven::test::wait_until(
      [&] {
        return log_has(pair, 1, "peer lost") && log_has(pair, 1, "failover rule r2 no longer holds module");
      },
      20s);
  INFO(pair.module_log(1));
  CHECK(released);
}

TEST_CASE("a rule over remote.class.* acts once every resource of the class on the peer compares true",
          "[integration][pair][rules]") {
  MirrorPairNodes pair(settings_with_rules(
      kEveryRulePort, "\n r3: if (remote.custom.* == down && remote.usersetting.failover == on) then wait();\n"));
  pair.pair_up();

  set_on_node2(pair, "custom.a", "down");
  set_on_node2(pair, "custom.b", "up");
  set_on_node2(pair, "custom.b", "down");
  const bool acted =
      haven::test::wait_until([&] { return log_has(pair, 1, "Action wait called by failover rule r3"); }, 15s);
  INFO(pair.module_log(1));
  CHECK(acted);
}
