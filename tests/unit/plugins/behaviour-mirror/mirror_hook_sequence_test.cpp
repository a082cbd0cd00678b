// The seed product's call-sequence table (reference §3), walked row by row: each row reaches
// its transition on one or two machines and compares the exact hooks (names, arguments and
// phases) with the table. X→WAIT rows stop at `transition`; the forced pass of a stop is the
// WAIT→STOP row.
#include <catch2/catch.hpp>

#include <functional>

#include "mirror_pair.hpp"

using namespace mirror_test;
using S = ModuleState;
using P = HookPhase;

namespace {

struct Expected {
  std::string line;  // "start_prim WAIT ALONE start"
  HookPhase phase;
};

struct Row {
  const char* transition;
  std::function<std::vector<RunHook>()> walk;  // reaches the row, returns the hooks it ran
  std::vector<Expected> hooks;
};

std::vector<RunHook> since(const Driver& d, std::size_t from, std::size_t count = 0) {
  auto end = count ? std::min(d.run_hooks.size(), from + count) : d.run_hooks.size();
  return {d.run_hooks.begin() + static_cast<std::ptrdiff_t>(from), d.run_hooks.begin() + static_cast<std::ptrdiff_t>(end)};
}


const std::vector<Row>& rows() {
  static const std::vector<Row> all{
      {"STOP→WAIT",
       [] {
         Driver d;
         d.command(Command::prim);
         return since(d, 0, 2);
       },
       {{"transition STOP WAIT start", P::start}, {"prestart STOP WAIT start", P::start}}},
      {"WAIT→ALONE",
       [] {
         Driver d;
         d.command(Command::prim);
         return since(d, 2);
       },
       {{"transition WAIT ALONE start", P::start},
        {"start_both WAIT ALONE start", P::start},
        {"start_prim WAIT ALONE start", P::start},
        {"start_sec WAIT ALONE start", P::start}}},
      {"WAIT→PRIM",
       [] {
         Pair p;
         p.command(1, Command::start);  // node2 waits: never up to date
         p.command(0, Command::prim);
         REQUIRE(p.state(1) == S::second);
         return since(p[0], 2);
       },
       {{"transition WAIT PRIM start", P::start},
        {"start_both WAIT PRIM start", P::start},
        {"start_prim WAIT PRIM start", P::start}}},
      {"WAIT→SECOND",
       [] {
         Pair p;
         p.command(0, Command::prim);
         p.command(1, Command::start);
         return since(p[1], 2);
       },
       {{"transition WAIT SECOND start", P::start},
        {"start_both WAIT SECOND start", P::start},
        {"start_second WAIT SECOND start", P::start},
        {"start_sec WAIT SECOND start", P::start}}},
      {"ALONE→PRIM",
       [] {
         Pair p;
         p.command(0, Command::prim);
         REQUIRE(p.state(0) == S::alone);
         const auto mark = p[0].mark();
         p.command(1, Command::start);
         REQUIRE(p.state(0) == S::prim);
         return since(p[0], mark);
       },
       {{"stop_sec ALONE PRIM start", P::graceful_stop}, {"transition ALONE PRIM start", P::start}}},
      {"PRIM→ALONE",
       [] {
         Pair p = running_pair();
         const auto mark = p[0].mark();
         p.command(1, Command::stop);
         REQUIRE(p.state(0) == S::alone);
         return since(p[0], mark);
       },
       {{"transition PRIM ALONE start", P::start}, {"start_sec PRIM ALONE start", P::start}}},
      {"SECOND→ALONE (failover)",
       [] {
         Pair p = running_pair();
         const auto mark = p[1].mark();
         p.cut();
         p.settle();
         REQUIRE(p.state(1) == S::alone);
         return since(p[1], mark);
       },
       {{"stop_second SECOND ALONE start", P::graceful_stop},
        {"transition SECOND ALONE start", P::start},
        {"start_prim SECOND ALONE start", P::start}}},
      {"PRIM→SECOND (swap)",
       [] {
         Pair p = running_pair();
         const auto mark = p[0].mark();
         p.command(0, Command::swap);
         REQUIRE(p.state(0) == S::second);
         return since(p[0], mark);
       },
       {{"stop_prim PRIM SECOND stop", P::graceful_stop},
        {"stop_prim force PRIM SECOND stop", P::force_stop},
        {"transition PRIM SECOND start", P::start},
        {"start_second PRIM SECOND start", P::start},
        {"start_sec PRIM SECOND start", P::start}}},
      {"SECOND→PRIM (swap)",
       [] {
         Pair p = running_pair();
         const auto mark = p[1].mark();
         p.command(0, Command::swap);
         REQUIRE(p.state(1) == S::prim);
         return since(p[1], mark);
       },
       {{"stop_sec SECOND PRIM start", P::graceful_stop},
        {"stop_second SECOND PRIM start", P::graceful_stop},
        {"transition SECOND PRIM start", P::start},
        {"start_prim SECOND PRIM start", P::start}}},
      {"ALONE→WAIT (stop)",
       [] {
         Driver d;
         d.command(Command::prim);
         const auto mark = d.mark();
         d.command(Command::stop);
         return since(d, mark, 4);
       },
       {{"stop_sec ALONE WAIT stop", P::graceful_stop},
        {"stop_prim ALONE WAIT stop", P::graceful_stop},
        {"stop_both ALONE WAIT stop", P::graceful_stop},
        {"transition ALONE WAIT stop", P::graceful_stop}}},
      {"PRIM→WAIT (stop)",
       [] {
         Pair p = running_pair();
         const auto mark = p[0].mark();
         p.command(0, Command::stop);
         return since(p[0], mark, 3);
       },
       {{"stop_prim PRIM WAIT stop", P::graceful_stop},
        {"stop_both PRIM WAIT stop", P::graceful_stop},
        {"transition PRIM WAIT stop", P::graceful_stop}}},
      {"SECOND→WAIT (stop)",
       [] {
         Pair p = running_pair();
         const auto mark = p[1].mark();
         p.command(1, Command::stop);
         return since(p[1], mark, 4);
       },
       {{"stop_sec SECOND WAIT stop", P::graceful_stop},
        {"stop_second SECOND WAIT stop", P::graceful_stop},
        {"stop_both SECOND WAIT stop", P::graceful_stop},
        {"transition SECOND WAIT stop", P::graceful_stop}}},
      {"SECOND→WAIT (primary lost, failover off: stopwait, no WAIT→STOP after it)",
       [] {
         auto s2 = settings_for("node2");
         s2.failover = false;
         Pair p = running_pair(settings_for("node1"), s2);
         const auto mark = p[1].mark();
         p.cut();
         p.settle();
         REQUIRE(p.state(1) == S::wait);
         return since(p[1], mark);
       },
       {{"stop_sec SECOND WAIT stopwait", P::graceful_stop},
        {"stop_second SECOND WAIT stopwait", P::graceful_stop},
        {"stop_both SECOND WAIT stopwait", P::graceful_stop},
        {"stop_sec force SECOND WAIT stopwait", P::force_stop},
        {"stop_second force SECOND WAIT stopwait", P::force_stop},
        {"stop_both force SECOND WAIT stopwait", P::force_stop},
        {"transition SECOND WAIT stopwait", P::graceful_stop}}},
      {"WAIT→STOP",
       [] {
         Driver d;
         d.command(Command::prim);
         const auto mark = d.mark();
         d.command(Command::stop);
         REQUIRE(d.machine.state() == S::stop);
         return since(d, mark + 4);
       },
       {{"stop_sec force WAIT STOP stop", P::force_stop},
        {"stop_prim force WAIT STOP stop", P::force_stop},
        {"stop_second force WAIT STOP stop", P::force_stop},
        {"stop_both force WAIT STOP stop", P::force_stop},
        {"poststop WAIT STOP stop", P::force_stop},
        {"transition WAIT STOP stop", P::force_stop}}},
  };
  return all;
}

std::string line_of(const RunHook& h) {
  std::string line = h.hook;
  for (const auto& a : h.args) line += " " + a;
  return line;
}

}  // namespace

TEST_CASE("every transition of the seed's call-sequence table runs its hooks in the seed's order",
          "[mirror][hooks]") {
  for (const auto& row : rows()) {
    INFO("transition " << row.transition);
    const auto ran = row.walk();
    std::vector<std::string> lines, expected_lines;
    std::vector<HookPhase> phases, expected_phases;
    for (const auto& h : ran) {
      lines.push_back(line_of(h));
      phases.push_back(h.phase);
    }
    for (const auto& e : row.hooks) {
      expected_lines.push_back(e.line);
      expected_phases.push_back(e.phase);
    }
    CHECK(lines == expected_lines);
    CHECK(phases == expected_phases);
  }
}

TEST_CASE("a stop hook runs gracefully before it runs with force, in every stop", "[mirror][hooks]") {
  for (Command stop : {Command::stop, Command::stopstart}) {
    Pair p = running_pair();
    const auto mark = p[0].mark();
    p.command(0, stop);
    const auto ran = since(p[0], mark);
    for (std::size_t i = 0; i < ran.size(); ++i) {
      if (ran[i].phase != P::force_stop || ran[i].hook == "poststop" || ran[i].hook == "transition") continue;
      INFO(line_of(ran[i]));
      CHECK(ran[i].args.front() == "force");
    }
  }
}

// A start hook that fails in a transition: the node gives up that role and stops, and the log
// names the hook, why it failed and what happens next.
TEST_CASE("a failing start hook in any transition stops the module and says which hook, why and what next",
          "[mirror][hooks][failure]") {
  struct Case {
    const char* name;
    const char* hook;
    int node;
    std::function<void(Pair&)> reach;  // the failure is scripted before this runs
    S peer_after;                       // where the other node ends
  };
  const std::vector<Case> cases{
      {"WAIT→ALONE start_prim", "start_prim", 0, [](Pair& p) { p.command(0, Command::prim); }, S::stop},
      {"WAIT→SECOND start_second", "start_second", 1,
       [](Pair& p) {
         p[1].failures.erase("start_second");
         p.command(0, Command::prim);
         p[1].failures["start_second"] = HookFinished{"start_second", false, 3, false, "no such service"};
         p.command(1, Command::start);
       },
       S::alone},
      {"SECOND→ALONE (failover) start_prim", "start_prim", 1,
       [](Pair& p) {
         p[1].failures.erase("start_prim");
         p.command(0, Command::prim);
         p.command(1, Command::start);
         p.in_sync(1);
         p[1].failures["start_prim"] = HookFinished{"start_prim", false, 3, false, "no such service"};
         p.cut();
         p.settle();
       },
       S::alone},
      {"ALONE→PRIM transition", "transition", 0,
       [](Pair& p) {
         p[0].failures.erase("transition");
         p.command(0, Command::prim);
         p[0].failures["transition"] = HookFinished{"transition", false, 3, false, "no such service"};
         p.command(1, Command::start);
       },
       S::wait},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Pair p;
    p[c.node].failures[c.hook] = HookFinished{c.hook, false, 3, false, "no such service"};
    c.reach(p);
    REQUIRE(p.settle());
    CHECK(p.state(c.node) == S::stop);
    CHECK(p.state(1 - c.node) == c.peer_after);
    bool named = false;
    for (const auto& r : p[c.node].reports) {
      if (r.level != LogLevel::error || r.message.rfind("hook " + std::string(c.hook), 0) != 0) continue;
      named = true;
      CHECK_THAT(r.message, Catch::Contains("exited with code 3 (no such service)"));
      CHECK_THAT(r.message, Catch::Contains("goes to STOP"));
      CHECK_THAT(r.message, Catch::Contains("haven start -m " + std::string(kModule)));
    }
    CHECK(named);
  }
}

TEST_CASE("a failing stop hook is logged and the transition goes on", "[mirror][hooks][failure]") {
  Pair p = running_pair();
  p[0].failures["stop_prim"] = HookFinished{"stop_prim", false, 0, true, "over nicestoptimeout"};
  p.command(0, Command::swap);
  CHECK(p.state(0) == S::second);
  CHECK(p.state(1) == S::prim);
  CHECK(p[0].reported("hook stop_prim PRIM SECOND stop of module generic-mirror timed out and was killed"));
  CHECK(p[0].reported("the stop goes on"));
}
