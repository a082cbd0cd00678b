// A failover rule's wait(): the module leaves its role for WAIT while the rule holds, and
// goes on by itself once released (Command::wait_on / wait_off, ABI 1.1).
#include <catch2/catch.hpp>

#include <algorithm>

#include "mirror_pair.hpp"

using namespace mirror_test;
using S = ModuleState;

namespace {

Driver alone_node() {
  NodeKnowledge known;
  known.data_uptodate = true;
  known.last_role = Role::prim;
  known.generation = 3;
  Driver d(known);
  REQUIRE(d.command(Command::start).accepted);
  REQUIRE(d.machine.state() == S::alone);
  return d;
}

}  // namespace

TEST_CASE("a wait rule takes an ALONE module through its stop hooks to WAIT, and release brings it back",
          "[mirror][wait]") {
  Driver d = alone_node();
  const auto mark = d.mark();
  auto reply = d.command(Command::wait_on, "interface_failure");
  CHECK(reply.accepted);
  CHECK_THAT(reply.message, Catch::Contains("rule interface_failure holds it"));
  CHECK(d.machine.state() == S::wait);
  CHECK(d.machine.sub_state() == SubState::not_ready);
  CHECK_THAT(d.last_state().reason, Catch::Contains("rule interface_failure holds the module"));
  const auto hooks = d.hooks_since(mark);
  REQUIRE_FALSE(hooks.empty());
  CHECK(std::count(hooks.begin(), hooks.end(), "stop_prim ALONE WAIT stopwait") == 1);
  CHECK(std::count(hooks.begin(), hooks.end(), "start_prim WAIT ALONE stopwait") == 0);  // not back yet

  const auto before_release = d.mark();
  reply = d.command(Command::wait_off, "interface_failure");
  CHECK(reply.accepted);
  CHECK(d.machine.state() == S::alone);
  CHECK(d.machine.sub_state() == SubState::ready);
  const auto back = d.hooks_since(before_release);
  CHECK(std::find_if(back.begin(), back.end(), [](const std::string& h) { return h.rfind("start_prim", 0) == 0; }) !=
        back.end());
}

TEST_CASE("while held, prim is refused with what to do, and an administrator's stop ends the hold",
          "[mirror][wait]") {
  Driver d = alone_node();
  REQUIRE(d.command(Command::wait_on, "ip_failure").accepted);
  REQUIRE(d.machine.state() == S::wait);
  auto prim = d.command(Command::prim);
  CHECK_FALSE(prim.accepted);
  CHECK_THAT(prim.message, Catch::Contains("failover rule ip_failure holds it in WAIT"));
  REQUIRE(d.command(Command::stop).accepted);
  CHECK(d.machine.state() == S::stop);
  REQUIRE(d.command(Command::start).accepted);
  CHECK(d.machine.state() == S::alone);  // the hold did not outlive the stop
}

TEST_CASE("a wait asked while hooks run takes effect when they end", "[mirror][wait]") {
  NodeKnowledge known;
  known.data_uptodate = true;
  known.last_role = Role::prim;
  Driver d(known);
  d.feed(CommandEvent{Command::start, false, ""});
  d.feed(PeerView{});
  REQUIRE(d.machine.hook_pending());
  d.feed(CommandEvent{Command::wait_on, false, "c_db"});
  CHECK(d.replies.back().accepted);
  REQUIRE(d.settle());
  CHECK(d.machine.state() == S::wait);
  CHECK_THAT(d.last_state().reason, Catch::Contains("rule c_db holds the module"));
  d.command(Command::wait_off, "c_db");
  CHECK(d.machine.state() == S::alone);
}

TEST_CASE("a wait on a stopped module holds nothing, and release of nothing is harmless", "[mirror][wait]") {
  Driver d;
  auto reply = d.command(Command::wait_on, "module_failure");
  CHECK(reply.accepted);
  CHECK_THAT(reply.message, Catch::Contains("has nothing to hold"));
  CHECK(d.machine.state() == S::stop);
  CHECK(d.command(Command::wait_off, "module_failure").accepted);
  CHECK(d.machine.state() == S::stop);
}

TEST_CASE("wait counts against maxloop; its release neither counts nor resets the count", "[mirror][wait][maxloop]") {
  auto settings = default_settings();
  settings.maxloop = 2;
  NodeKnowledge known;
  known.data_uptodate = true;
  known.last_role = Role::prim;
  Driver d(known, settings);
  REQUIRE(d.command(Command::start).accepted);
  for (int round = 0; round < 2; ++round) {
    REQUIRE(d.command(Command::wait_on, "p_gw").accepted);
    REQUIRE(d.command(Command::wait_off, "p_gw").accepted);
    REQUIRE(d.machine.state() == S::alone);
  }
  auto third = d.command(Command::wait_on, "p_gw");
  CHECK_FALSE(third.accepted);
  CHECK_THAT(third.message, Catch::Contains("Action stop called by maxloop"));
  CHECK(d.machine.state() == S::stop);
}

TEST_CASE("the PRIM held by a rule leaves, and its SECOND takes over", "[mirror][wait]") {
  Pair p = running_pair();
  REQUIRE(p.state(0) == S::prim);
  REQUIRE(p.state(1) == S::second);
  CHECK(p.command(0, Command::wait_on, "interface_failure").accepted);
  p.settle();
  CHECK(p.state(0) == S::wait);
  CHECK(p.state(1) == S::alone);
}

TEST_CASE("a repeated wait from the rule already holding the module neither counts nor moves it",
          "[mirror][wait][maxloop]") {
  auto settings = default_settings();
  settings.maxloop = 1;
  NodeKnowledge known;
  known.data_uptodate = true;
  known.last_role = Role::prim;
  Driver d(known, settings);
  REQUIRE(d.command(Command::start).accepted);
  REQUIRE(d.command(Command::wait_on, "net").accepted);
  REQUIRE(d.machine.state() == S::wait);
  const auto mark = d.mark();
  for (int i = 0; i < 5; ++i) CHECK(d.command(Command::wait_on, "net").accepted);
  CHECK(d.hooks_since(mark).empty());
  CHECK(d.machine.state() == S::wait);
  CHECK(d.command(Command::wait_off, "net").accepted);
  CHECK(d.machine.state() == S::alone);
}
