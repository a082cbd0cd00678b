// The hooks of both nodes through a pair's life, against the seed product's call sequences
// (shared/reference/seed-product.md §3; haven's arguments and forced passes: docs/states.md).
#include <catch2/catch.hpp>

#include "mirror_pair_nodes.hpp"
#include "pair_ports.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;
namespace ports = haven::test::ports;

using Lines = std::vector<std::string>;

TEST_CASE("each node runs its hooks in the seed product's order on WAIT->PRIM, WAIT->SECOND, failover, "
          "swap and stop",
          "[integration][pair][hooks]") {
  MirrorPairSettings settings;
  settings.heart_port = ports::kHookOrder;
  settings.cluster_port = ports::cluster_port(ports::kHookOrder);
  MirrorPairNodes pair(settings);

  // STOP -> WAIT on node2, which then waits: nobody is up to date.
  REQUIRE(pair.command(2, "start").exit_code == 0);
  CHECK(pair.take_hook_record(2) == Lines{"transition STOP WAIT start", "prestart STOP WAIT start"});

  // prim on node1: STOP -> WAIT -> PRIM; node2 WAIT -> SECOND.
  REQUIRE(pair.command(1, "prim").exit_code == 0);
  REQUIRE(pair.wait_for(1, "PRIM", "Ready").value("state", "") == "PRIM");
  REQUIRE(pair.wait_for(2, "SECOND", "Ready").value("state", "") == "SECOND");
  CHECK(pair.take_hook_record(1) == Lines{"transition STOP WAIT start", "prestart STOP WAIT start",
                                          "transition WAIT PRIM start", "start_both WAIT PRIM start",
                                          "start_prim WAIT PRIM start"});
  CHECK(pair.take_hook_record(2) == Lines{"transition WAIT SECOND start", "start_both WAIT SECOND start",
                                          "start_second WAIT SECOND start", "start_sec WAIT SECOND start"});

  // Failover: node2 SECOND -> ALONE.
  REQUIRE(pair.kill_agent(1));
  REQUIRE(pair.wait_for(2, "ALONE", "Ready").value("state", "") == "ALONE");
  CHECK(pair.take_hook_record(2) == Lines{"stop_second SECOND ALONE start", "transition SECOND ALONE start",
                                          "start_prim SECOND ALONE start"});
  pair.take_hook_record(1);  // what havend ran after its agent died is not the subject here

  // node1 back: STOP -> WAIT -> SECOND; node2 ALONE -> PRIM.
  REQUIRE(pair.command(1, "start").exit_code == 0);
  REQUIRE(pair.wait_for(1, "SECOND", "Ready").value("state", "") == "SECOND");
  REQUIRE(pair.wait_for(2, "PRIM", "Ready").value("state", "") == "PRIM");
  CHECK(pair.take_hook_record(1) == Lines{"transition STOP WAIT start", "prestart STOP WAIT start",
                                          "transition WAIT SECOND start", "start_both WAIT SECOND start",
                                          "start_second WAIT SECOND start", "start_sec WAIT SECOND start"});
  CHECK(pair.take_hook_record(2) == Lines{"stop_sec ALONE PRIM start", "transition ALONE PRIM start"});

  // swap on node2: node2 PRIM -> SECOND (stop_prim graceful then force), node1 SECOND -> PRIM.
  auto swap = pair.command(2, "swap");
  INFO(swap.describe());
  REQUIRE(swap.exit_code == 0);
  REQUIRE(pair.wait_for(1, "PRIM", "Ready").value("state", "") == "PRIM");
  REQUIRE(pair.wait_for(2, "SECOND", "Ready").value("state", "") == "SECOND");
  CHECK(pair.take_hook_record(2) == Lines{"stop_prim PRIM SECOND stop", "stop_prim force PRIM SECOND stop",
                                          "transition PRIM SECOND start", "start_second PRIM SECOND start",
                                          "start_sec PRIM SECOND start"});
  CHECK(pair.take_hook_record(1) == Lines{"stop_sec SECOND PRIM start", "stop_second SECOND PRIM start",
                                          "transition SECOND PRIM start", "start_prim SECOND PRIM start"});

  // stop on node2 (SECOND): SECOND -> WAIT -> STOP; node1 PRIM -> ALONE.
  REQUIRE(pair.command(2, "stop").exit_code == 0);
  REQUIRE(pair.wait_for(1, "ALONE", "Ready").value("state", "") == "ALONE");
  CHECK(pair.take_hook_record(2) ==
        Lines{"stop_sec SECOND WAIT stop",       "stop_second SECOND WAIT stop",  "stop_both SECOND WAIT stop",
              "transition SECOND WAIT stop",     "stop_sec force WAIT STOP stop", "stop_prim force WAIT STOP stop",
              "stop_second force WAIT STOP stop", "stop_both force WAIT STOP stop", "poststop WAIT STOP stop",
              "transition WAIT STOP stop"});
  CHECK(pair.take_hook_record(1) == Lines{"transition PRIM ALONE start", "start_sec PRIM ALONE start"});
}
