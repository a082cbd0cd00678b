// <splitbrain> on two real havend over loopback: when every heartbeat is lost, the survivor
// pings its witness first. Reached: it takes over. Not reached (a witness address that cannot
// be pinged stands in for a cut network): it waits, and the heartbeats' return ends the wait.
// Cutting a real network with a witness on one side is the cluster tests' (namespaces).
#include <catch2/catch.hpp>

#include "mirror_pair_nodes.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;

namespace {

// This binary's own ports (heartbeat; node-to-node is +50), apart from every other binary's.
constexpr int kWitnessReached = 29531;
constexpr int kWitnessSilent = 29532;

MirrorPairSettings with_witness(int heart_port, const std::string& witnesses) {
  MirrorPairSettings s;
  s.heart_port = heart_port;
  s.cluster_port = heart_port + 50;
  s.service_children = "<check><splitbrain ident=\"witness\" arg=\"" + witnesses + "\" timeout=\"1s\"/></check>";
  return s;
}

std::string resource(MirrorPairNodes& pair, int n, const std::string& name) {
  for (const auto& r : pair.state(n).value("resources", nlohmann::json::array()))
    if (r.value("resource", "") == name) return r.value("value", "");
  return "";
}

}  // namespace

TEST_CASE("a secondary that loses its primary but reaches a witness takes over", "[integration][checks][splitbrain]") {
  MirrorPairNodes pair(with_witness(kWitnessReached, "127.0.0.1"));
  pair.pair_up();
  CHECK(resource(pair, 2, "splitbrain.witness") == "init");
  REQUIRE(pair.kill_agent(1));
  auto alone = pair.wait_for(2, "ALONE", "Ready");
  INFO(alone.dump() << "\n" << pair.module_log(2));
  CHECK(alone.value("state", "") == "ALONE");
  const auto log = pair.module_log(2);
  CHECK_THAT(log, Catch::Contains("pinging the split-brain witnesses (127.0.0.1)"));
  CHECK_THAT(log, Catch::Contains("split-brain witness reached"));
  CHECK(resource(pair, 2, "splitbrain.witness") == "up");
  CHECK(resource(pair, 2, "splitbrain.uptodate") == "up");
}

TEST_CASE("a secondary that reaches no witness waits instead of taking over, until the heartbeats come back",
          "[integration][checks][splitbrain]") {
  // Not an address: every ping fails at once, without a packet leaving the machine.
  MirrorPairNodes pair(with_witness(kWitnessSilent, "256.0.0.1"));
  pair.pair_up();
  REQUIRE(pair.kill_agent(1));
  auto waiting = pair.wait_for(2, "WAIT", "NotReady");
  INFO(waiting.dump() << "\n" << pair.module_log(2));
  CHECK(waiting.value("state", "") == "WAIT");
  CHECK_THAT(waiting.value("reason", ""), Catch::Contains("splitbrain_failure"));
  CHECK_THAT(pair.module_log(2), Catch::Contains("no split-brain witness answered"));
  CHECK(resource(pair, 2, "splitbrain.witness") == "down");
  CHECK(resource(pair, 2, "splitbrain.uptodate") == "down");
  // It stays waiting: never ALONE while its peer may be primary elsewhere.
  CHECK_FALSE(haven::test::wait_until([&] { return pair.poll(2).state == "ALONE"; }, 2s));

  auto start = pair.command(1, "start");
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  REQUIRE(haven::test::wait_until(
      [&] { return pair.module_log(2).find("the split-brain hold (splitbrain_failure) ends") != std::string::npos; },
      20s));
  CHECK(haven::test::wait_until([&] { return resource(pair, 2, "splitbrain.uptodate") == "init"; }, 10s));
  CHECK(haven::test::wait_until([&] { return pair.poll(2).state != "WAIT" || pair.poll(1).state != "WAIT"; }, 20s));
}
