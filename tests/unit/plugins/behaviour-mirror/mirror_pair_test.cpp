// The two-node rules of the mirror machine, on two machines wired through a simulated link.
#include <catch2/catch.hpp>

#include <functional>

#include "mirror_pair.hpp"

using namespace mirror_test;
using S = ModuleState;

namespace {

long first_hook(const Driver& d, const std::string& line, std::size_t from = 0) {
  for (std::size_t i = from; i < d.hooks.size(); ++i)
    if (d.hooks[i] == line) return static_cast<long>(i);
  return -1;
}

}  // namespace

TEST_CASE("first start: both nodes wait until prim, then PRIM and SECOND", "[mirror][pair]") {
  Pair p;
  p.command(0, Command::start);
  p.command(1, Command::start);
  CHECK(p.state(0) == S::wait);
  CHECK(p.state(1) == S::wait);
  CHECK(p.sub(0) == SubState::not_ready);
  CHECK_THAT(p[1].last_state().reason, Catch::Contains("Data may not be up to date"));

  CHECK(p.command(0, Command::prim).accepted);
  CHECK(p.state(0) == S::prim);
  CHECK(p.state(1) == S::second);
  CHECK(p.sub(1) == SubState::transient);
  CHECK_THAT(p[1].last_state().reason, Catch::Contains("not yet in sync"));
  CHECK_FALSE(p[1].machine.knowledge().data_uptodate);
  // node2 was waiting beside it: node1 went straight from WAIT to PRIM, as in the seed.
  CHECK(first_hook(p[0], "start_prim WAIT PRIM start") >= 0);
  CHECK(first_hook(p[0], "start_sec WAIT PRIM start") < 0);
  CHECK(first_hook(p[1], "start_second WAIT SECOND start") >= 0);
}

TEST_CASE("the secondary is up to date only once the replication layer says it is in sync", "[mirror][pair]") {
  Pair p;
  p.command(0, Command::prim);
  p.command(1, Command::start);
  CHECK_FALSE(p[1].machine.knowledge().data_uptodate);
  p.in_sync(1);
  CHECK(p.sub(1) == SubState::ready);
  CHECK(p[1].machine.knowledge() == NodeKnowledge{true, Role::second, p[0].machine.knowledge().generation});
  // An in-sync signal with no primary around is ignored with a report.
  Driver lone;
  lone.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
  CHECK_FALSE(lone.machine.knowledge().data_uptodate);
  CHECK(lone.reported("ignored"));
}

TEST_CASE("primary lost: an in-sync SECOND fails over to ALONE with the seed's hooks", "[mirror][pair]") {
  Pair p = running_pair();
  const auto gen = p[1].machine.knowledge().generation;
  const auto mark = p[1].mark();
  p.cut();
  p.settle();
  CHECK(p.state(1) == S::alone);
  CHECK(p.state(0) == S::alone);  // PRIM → ALONE: transition, start_sec
  CHECK(p[1].hooks_since(mark) ==
        std::vector<std::string>{"stop_second SECOND ALONE start", "transition SECOND ALONE start",
                                 "start_prim SECOND ALONE start"});
  CHECK(p[1].machine.knowledge().generation == gen + 1);
  CHECK(p[1].reported("Action alone called by heart"));
  CHECK(first_hook(p[0], "start_sec PRIM ALONE start") >= 0);
}

TEST_CASE("remote stop of the primary: the SECOND takes over and the stopped node knows it is behind",
          "[mirror][pair]") {
  Pair p = running_pair();
  p.command(0, Command::stop);
  CHECK(p.state(0) == S::stop);
  CHECK(p.state(1) == S::alone);
  CHECK_FALSE(p[0].machine.knowledge().data_uptodate);
  // Restarted, the former primary rejoins as SECOND.
  p.command(0, Command::start);
  CHECK(p.state(0) == S::second);
  CHECK(p.state(1) == S::prim);
}

TEST_CASE("a SECOND not yet in sync never takes over: WAIT with the reason", "[mirror][pair]") {
  Pair p;
  p.command(0, Command::prim);
  p.command(1, Command::start);
  p.cut();
  p.settle();
  CHECK(p.state(1) == S::wait);
  CHECK(p.sub(1) == SubState::not_ready);
  CHECK_THAT(p[1].last_state().reason, Catch::Contains("not yet in sync"));
  // prim is refused after an interrupted resync; primforce overrides.
  auto r = p.command(1, Command::prim);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("primforce"));
  CHECK(p.command(1, Command::primforce).accepted);
  CHECK(p.state(1) == S::alone);
}

TEST_CASE("failover off: the SECOND waits with 'Failover-off configured' until prim", "[mirror][pair]") {
  auto s2 = settings_for("node2");
  s2.failover = false;
  Pair p = running_pair(settings_for("node1"), s2);
  p.cut();
  p.settle();
  CHECK(p.state(1) == S::wait);
  CHECK_THAT(p[1].last_state().reason, Catch::Contains("Failover-off configured"));
  CHECK(p[1].hooks.back() == "transition SECOND WAIT stopwait");
  CHECK(p.command(1, Command::prim).accepted);
  CHECK(p.state(1) == S::alone);
}

TEST_CASE("failover off: the peer coming back as primary makes the waiting node SECOND again", "[mirror][pair]") {
  auto s2 = settings_for("node2");
  s2.failover = false;
  Pair p = running_pair(settings_for("node1"), s2);
  p.cut();
  p.settle();
  p.heal();
  p.settle();
  CHECK(p.state(1) == S::second);
  CHECK(p.state(0) == S::prim);
}

TEST_CASE("swap: the primary finishes its stop before the other starts as primary", "[mirror][pair]") {
  Pair p = running_pair();
  int both_primary = 0;
  p.on_event = [&](int, const Event&, const std::vector<Action>&) {
    const bool p0 = p.state(0) == S::prim || p.state(0) == S::alone;
    const bool p1 = p.state(1) == S::prim || p.state(1) == S::alone;
    if (p0 && p1) ++both_primary;
  };
  const auto m0 = p[0].mark();
  const auto m1 = p[1].mark();
  CHECK(p.command(0, Command::swap).accepted);
  CHECK(both_primary == 0);
  CHECK(p.state(0) == S::second);
  CHECK(p.state(1) == S::prim);
  CHECK(p[0].hooks_since(m0) == std::vector<std::string>{"stop_prim PRIM SECOND stop", "stop_prim force PRIM SECOND stop",
                                                          "transition PRIM SECOND start", "start_second PRIM SECOND start",
                                                          "start_sec PRIM SECOND start"});
  CHECK(p[1].hooks_since(m1) == std::vector<std::string>{"stop_sec SECOND PRIM start", "stop_second SECOND PRIM start",
                                                          "transition SECOND PRIM start", "start_prim SECOND PRIM start"});
  CHECK(p[0].machine.knowledge().data_uptodate);
  CHECK(p.sub(0) == SubState::ready);
}

TEST_CASE("swap is refused on the SECOND, and while the secondary is not in sync", "[mirror][pair]") {
  Pair p;
  p.command(0, Command::prim);
  p.command(1, Command::start);
  auto r = p.command(0, Command::swap);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("not yet in sync"));
  r = p.command(1, Command::swap);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("node1"));
}

TEST_CASE("second on the PRIM is a swap", "[mirror][pair]") {
  Pair p = running_pair();
  CHECK(p.command(0, Command::second).accepted);
  CHECK(p.state(0) == S::second);
  CHECK(p.state(1) == S::prim);
}

TEST_CASE("second starts a node as secondary even when its data is up to date", "[mirror][pair]") {
  Pair p({true, Role::prim, 4}, {true, Role::prim, 2});
  CHECK(p.command(0, Command::second).accepted);
  CHECK(p.state(0) == S::wait);
  CHECK_THAT(p[0].last_state().reason, Catch::Contains("secondary"));
  p.command(1, Command::start);
  CHECK(p.state(1) == S::prim);
  CHECK(p.state(0) == S::second);
}

TEST_CASE("both up to date at start: the newer generation becomes primary", "[mirror][pair]") {
  Pair p({true, Role::second, 3}, {true, Role::prim, 5});
  p.command(0, Command::start);
  CHECK(p.state(0) == S::alone);  // node2 is stopped: absent
  p.command(0, Command::stop);
  CHECK_FALSE(p[1].machine.knowledge().data_uptodate);  // stopped while node1 ran: it is behind
  Pair q({true, Role::second, 3}, {true, Role::prim, 5});
  q.feed(0, CommandEvent{Command::start, false, ""});
  q.feed(1, CommandEvent{Command::start, false, ""});
  q.settle();
  CHECK(q.state(1) == S::prim);
  CHECK(q.state(0) == S::second);
}

TEST_CASE("defaultprim=node1 swaps back to node1 once it is in sync", "[mirror][pair][defaultprim]") {
  auto s1 = settings_for("node1");
  auto s2 = settings_for("node2");
  s1.defaultprim = s2.defaultprim = "node1";
  Pair p = running_pair(s1, s2);
  p.cut();
  p.settle();
  p.command(0, Command::stop);
  p.heal();
  p.settle();
  CHECK(p.state(1) == S::alone);
  p.command(0, Command::start);
  CHECK(p.state(0) == S::second);
  CHECK(p.state(1) == S::prim);
  p.in_sync(0);
  CHECK(p[1].reported("Transition SWAP from defaultprim"));
  CHECK(p.state(0) == S::prim);
  CHECK(p.state(1) == S::second);
}

TEST_CASE("split brain healed: the newer generation stays primary, the other is SECOND with its writes kept aside",
          "[mirror][pair][splitbrain]") {
  Pair p = running_pair();
  p.cut();
  p.settle();
  REQUIRE(p.state(0) == S::alone);
  REQUIRE(p.state(1) == S::alone);
  // node2 was promoted by the failover: its generation is newer.
  REQUIRE(p[1].machine.knowledge().generation > p[0].machine.knowledge().generation);
  p.heal();
  p.settle();
  CHECK(p.state(1) == S::prim);
  CHECK(p.state(0) == S::second);
  CHECK(p[0].reported(std::string(haven::mirror::kKeepAsidePrefix) + "node1"));
  CHECK(p[0].reported("split brain healed"));
  CHECK_FALSE(p[0].machine.knowledge().data_uptodate);
  bool loud = false;
  for (const auto& r : p[0].reports) loud = loud || (r.level == LogLevel::error && r.message.find("kept aside") != std::string::npos);
  CHECK(loud);
}

TEST_CASE("split brain with equal generations: the former primary, then defaultprim, decide", "[mirror][pair][splitbrain]") {
  auto s1 = settings_for("node1");
  auto s2 = settings_for("node2");
  s1.defaultprim = s2.defaultprim = "node2";
  Pair p({true, Role::prim, 7}, {true, Role::prim, 7}, s1, s2);
  p.cut();
  p.command(0, Command::start);
  p.command(1, Command::start);
  REQUIRE(p.state(0) == S::alone);
  REQUIRE(p.state(1) == S::alone);
  p.heal();
  p.settle();
  // Both promoted once (8 and 8), both last primary: defaultprim=node2 keeps node2.
  CHECK(p.state(1) == S::prim);
  CHECK(p.state(0) == S::second);
}

TEST_CASE("PRIM becomes ALONE when the SECOND stops, and ALONE becomes PRIM when it is back", "[mirror][pair]") {
  Pair p = running_pair();
  p.command(1, Command::stop);
  CHECK(p.state(0) == S::alone);
  CHECK_FALSE(p[1].machine.knowledge().data_uptodate);
  p.command(1, Command::start);
  CHECK(p.state(1) == S::second);
  CHECK(p.state(0) == S::prim);
}

namespace {

struct PairSituation {
  const char* name;
  std::function<void(Pair&)> reach;
};

const std::vector<PairSituation>& pair_situations() {
  static const std::vector<PairSituation> all{
      {"both STOP, never up to date", [](Pair&) {}},
      {"both WAIT NotReady, first start", [](Pair& p) { p.command(0, Command::start); p.command(1, Command::start); }},
      {"PRIM and SECOND not yet in sync", [](Pair& p) { p.command(0, Command::prim); p.command(1, Command::start); }},
      {"PRIM and SECOND in sync", [](Pair& p) { p.command(0, Command::prim); p.command(1, Command::start); p.in_sync(1); }},
      {"ALONE and a stopped peer", [](Pair& p) { p.command(0, Command::prim); }},
      {"both ALONE, link cut",
       [](Pair& p) { p.command(0, Command::prim); p.command(1, Command::start); p.in_sync(1); p.cut(); p.settle(); }},
      {"swap half way: old primary stopping",
       [](Pair& p) {
         p.command(0, Command::prim); p.command(1, Command::start); p.in_sync(1);
         p.feed(0, CommandEvent{Command::swap, false, ""});
         p.answer(0);
       }},
      {"SECOND waiting after its primary was lost with failover off",
       [](Pair& p) {
         p.command(1, Command::failover_off);
         p.command(0, Command::prim); p.command(1, Command::start); p.in_sync(1);
         p.cut(); p.settle();
       }},
      {"primary stopping, SECOND waiting for its stop hooks",
       [](Pair& p) {
         p.command(0, Command::prim); p.command(1, Command::start); p.in_sync(1);
         p.feed(0, CommandEvent{Command::stop, false, ""});
       }},
      {"failover half way: stop_second running",
       [](Pair& p) {
         p.command(0, Command::prim); p.command(1, Command::start); p.in_sync(1);
         p.cut();
       }},
  };
  return all;
}

const Command kAll[] = {Command::start,     Command::stop,        Command::forcestop, Command::prim,
                        Command::primforce, Command::second,      Command::restart,   Command::stopstart,
                        Command::swap,      Command::failover_on, Command::failover_off, Command::wait_on, Command::wait_off};

// An event of the pair: a command on one node, or a change of the link or the replication.
struct PairEvent {
  std::string name;
  std::function<void(Pair&)> apply;
};

std::vector<PairEvent> pair_events() {
  std::vector<PairEvent> events;
  for (int node : {0, 1})
    for (Command c : kAll)
      events.push_back({std::string(to_string(c)) + " on node" + std::to_string(node + 1),
                        [node, c](Pair& p) { p.feed(node, CommandEvent{c, false, ""}); }});
  events.push_back({"link cut", [](Pair& p) { p.cut(); }});
  events.push_back({"link healed", [](Pair& p) { p.heal(); }});
  events.push_back({"in sync on node1", [](Pair& p) { p.feed(0, ReplicationNews{ReplicationNews::Kind::in_sync}); }});
  events.push_back({"in sync on node2", [](Pair& p) { p.feed(1, ReplicationNews{ReplicationNews::Kind::in_sync}); }});
  events.push_back({"unknown timer", [](Pair& p) { p.feed(0, TimerFired{"nothing"}); }});
  return events;
}

bool is_primary_state(S s) { return s == S::alone || s == S::prim; }

}  // namespace

TEST_CASE("every pair situation and every event: no exception, settles, never two primaries once healed",
          "[mirror][pair][exhaustive]") {
  for (const auto& situation : pair_situations()) {
    for (const auto& event : pair_events()) {
      INFO("situation: " << situation.name << "; event: " << event.name);
      Pair p;
      situation.reach(p);
      REQUIRE_NOTHROW(event.apply(p));
      // Let everything finish: hooks answered, link back, replication in sync.
      REQUIRE(p.settle());
      p.heal();
      for (int round = 0; round < 4; ++round) {
        REQUIRE(p.settle());
        for (int i : {0, 1})
          if (p.state(i) == S::second && p.sub(i) != SubState::ready) p.in_sync(i);
      }
      for (int i : {0, 1}) {
        CHECK_FALSE(p[i].machine.hook_pending());
        CHECK(p.sub(i) != SubState::transient);
        if (is_primary_state(p.state(i))) CHECK(p[i].machine.knowledge().data_uptodate);
      }
      CHECK_FALSE((is_primary_state(p.state(0)) && is_primary_state(p.state(1))));
      if (p.state(0) == S::prim) CHECK(p.state(1) == S::second);
      if (p.state(1) == S::prim) CHECK(p.state(0) == S::second);
    }
  }
}

TEST_CASE("a stop while a lost SECOND runs its stop hooks still ends in STOP", "[mirror][pair]") {
  auto s2 = settings_for("node2");
  s2.failover = false;
  Pair p = running_pair(settings_for("node1"), s2);
  p.cut();
  REQUIRE(p[1].machine.hook_pending());
  p.feed(1, CommandEvent{Command::stop, false, ""});
  CHECK(p[1].replies.back().accepted);
  p.settle();
  CHECK(p.state(1) == S::stop);
}

TEST_CASE("restart of a SECOND not yet in sync leaves it not in sync until the replication says so",
          "[mirror][pair]") {
  Pair p;
  p.command(0, Command::prim);
  p.command(1, Command::start);
  REQUIRE(p.command(1, Command::restart).accepted);
  CHECK(p.state(1) == S::second);
  CHECK(p.sub(1) == SubState::transient);
  p.in_sync(1);
  CHECK(p.sub(1) == SubState::ready);
}

TEST_CASE("a SECOND whose stream ended while the primary goes on is behind: it does not take over until in sync again",
          "[mirror][pair]") {
  Pair p = running_pair();
  p.feed(1, ReplicationNews{ReplicationNews::Kind::behind});
  CHECK(p.state(1) == S::second);
  CHECK(p.sub(1) == SubState::transient);
  CHECK_FALSE(p[1].machine.knowledge().data_uptodate);
  CHECK(p[1].reported("not up to date until reintegrated"));
  // The primary dies before the reintegration: the behind SECOND must not become primary.
  p.cut();
  p.settle();
  CHECK(p.state(1) == S::wait);
  CHECK_THAT(p[1].last_state().reason, Catch::Contains("Data may not be up to date"));

  // Reintegrated in time instead: in sync again, and it takes over.
  Pair q = running_pair();
  q.feed(1, ReplicationNews{ReplicationNews::Kind::behind});
  q.in_sync(1);
  CHECK(q.sub(1) == SubState::ready);
  q.cut();
  q.settle();
  CHECK(q.state(1) == S::alone);
  // Only a SECOND in sync falls behind: elsewhere the signal changes nothing.
  const auto before = q[0].machine.knowledge();
  q.feed(0, ReplicationNews{ReplicationNews::Kind::behind});
  CHECK(q[0].machine.knowledge() == before);
  CHECK(q.state(0) == S::alone);
}
