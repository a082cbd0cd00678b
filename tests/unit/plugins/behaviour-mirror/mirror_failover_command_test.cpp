// `haven failover on|off` at run time, and the rules that read the peer's sub-state.
#include <catch2/catch.hpp>

#include "mirror_pair.hpp"

using namespace mirror_test;
using S = ModuleState;


TEST_CASE("failover off at run time: the SECOND that loses its primary waits until prim", "[mirror][failover]") {
  Pair p = running_pair();
  const auto reply = p.command(1, Command::failover_off);
  CHECK(reply.accepted);
  CHECK_THAT(reply.message, Catch::Contains("changed from on to off"));
  CHECK(p[1].reported("failover changed from on to off"));
  CHECK(p.state(1) == S::second);  // nothing else moves
  p.cut();
  p.settle();
  CHECK(p.state(1) == S::wait);
  CHECK(p.sub(1) == SubState::not_ready);
  CHECK_THAT(p[1].last_state().reason, Catch::Contains("Failover-off configured"));
  CHECK(p.command(1, Command::prim).accepted);
  CHECK(p.state(1) == S::alone);
}

TEST_CASE("failover on while waiting after a loss with failover off does not promote by itself", "[mirror][failover]") {
  auto s2 = settings_for("node2");
  s2.failover = false;
  Pair p = running_pair(settings_for("node1"), s2);
  p.cut();
  p.settle();
  REQUIRE(p.state(1) == S::wait);
  const auto reply = p.command(1, Command::failover_on);
  CHECK(reply.accepted);
  CHECK_THAT(reply.message, Catch::Contains("changed from off to on"));
  CHECK_THAT(reply.message, Catch::Contains("stays in WAIT"));
  CHECK(p.state(1) == S::wait);
  CHECK_FALSE(p[1].machine.becoming_primary());
  // The next loss of a primary, after prim, is a failover again.
  CHECK(p.command(1, Command::prim).accepted);
  CHECK(p.state(1) == S::alone);
  p.heal();
  p.settle();
  for (int round = 0; round < 3; ++round)
    for (int i : {0, 1})
      if (p.state(i) == S::second && p.sub(i) != SubState::ready) p.in_sync(i);
  REQUIRE(p.state(1) == S::prim);
  REQUIRE(p.state(0) == S::second);
  p.cut();
  p.settle();
  CHECK(p.state(0) == S::alone);
  CHECK(p[0].reported("Action alone called by heart"));
}

TEST_CASE("failover on|off is accepted in every state, even while a hook runs, and says what it changed",
          "[mirror][failover]") {
  Driver d;
  for (Command c : {Command::failover_off, Command::failover_off, Command::failover_on}) {
    auto reply = d.command(c);
    CHECK(reply.accepted);
  }
  CHECK(d.replies[1].message.find("was already off") != std::string::npos);
  d.feed(CommandEvent{Command::prim, false, ""});
  REQUIRE(d.machine.hook_pending());
  const auto before = d.replies.size();
  d.feed(CommandEvent{Command::failover_off, false, ""});
  REQUIRE(d.replies.size() == before + 1);
  CHECK(d.replies.back().accepted);
  CHECK(d.machine.hook_pending());  // the running hook is not disturbed
  d.feed(PeerView{});
  d.settle();
  CHECK(d.machine.state() == S::alone);
  CHECK(d.command(Command::failover_on).accepted);
  CHECK(d.machine.state() == S::alone);
}

TEST_CASE("failover on|off from an administrator resets the maxloop count", "[mirror][failover][maxloop]") {
  auto settings = default_settings();
  settings.maxloop = 2;
  Driver d({}, settings);
  d.command(Command::prim);
  d.command(Command::restart, "errd");
  d.command(Command::restart, "errd");
  d.command(Command::failover_off);
  CHECK(d.command(Command::restart, "errd").accepted);
  CHECK(d.machine.state() == S::alone);
  CHECK_FALSE(d.reported("called by maxloop"));
}

TEST_CASE("the SECOND takes over only once its stopping primary has finished its stop hooks", "[mirror][substate]") {
  Pair p = running_pair();
  p.feed(0, CommandEvent{Command::stop, false, ""});
  REQUIRE(p.state(0) == S::wait);
  REQUIRE(p.sub(0) == SubState::transient);
  // stop_prim runs on node1: node2 has not started anything.
  CHECK(p[0].machine.hook_pending());
  CHECK_FALSE(p[1].machine.hook_pending());
  CHECK(p.state(1) == S::second);
  p.settle();
  CHECK(p.state(0) == S::stop);
  CHECK(p.state(1) == S::alone);
}

TEST_CASE("a node does not choose primary beside a peer in WAIT (Transient) with up-to-date data", "[mirror][substate]") {
  // node1 may have chosen to be primary and be running its start hooks: node2 waits for it.
  Pair p({true, Role::prim, 2}, {true, Role::prim, 5});
  p.feed(0, CommandEvent{Command::start, false, ""});  // node2 STOP: absent, node1 goes on to ALONE
  p.answer(0);
  p.answer(0);  // transition, prestart done: node1 is committed to ALONE
  REQUIRE(p[0].machine.becoming_primary());
  p.feed(1, CommandEvent{Command::start, false, ""});
  p.settle();
  // Without the sub-state node2 (generation 5) would have chosen ALONE too.
  CHECK(p.state(0) == S::prim);
  CHECK(p.state(1) == S::second);
}

TEST_CASE("prim is refused beside a peer in WAIT (Transient) with up-to-date data, accepted once it waits settled",
          "[mirror][substate]") {
  Driver d;
  d.send_peer_after_start = false;
  PeerView peer;
  peer.reachable = true;
  peer.node = "node2";
  peer.state = S::wait;
  peer.sub = SubState::transient;
  peer.knowledge = {true, Role::prim, 4};
  d.feed(peer);
  auto reply = d.command(Command::prim);
  CHECK_FALSE(reply.accepted);
  CHECK_THAT(reply.message, Catch::Contains("may be becoming primary"));
  peer.sub = SubState::not_ready;  // it waits: it has chosen nothing
  d.feed(peer);
  reply = d.command(Command::prim);
  CHECK(reply.accepted);
  d.settle();
  // The administrator's choice wins over the rank (node2's generation is newer).
  CHECK(d.machine.state() == S::prim);
}
