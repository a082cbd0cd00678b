// Seeded random event sequences against the invariants of the mirror machine. The seed is
// printed; replay one with HAVEN_SEED=<seed> (that seed first, then the following ones).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <deque>
#include <random>
#include <string>

#include "mirror_driver.hpp"

using namespace mirror_test;

namespace {

const Command kCommands[] = {Command::start,   Command::stop,      Command::forcestop,
                             Command::prim,    Command::primforce, Command::second,
                             Command::restart, Command::stopstart, Command::swap, Command::wait_on, Command::wait_off};
const char* const kHookNames[] = {"transition", "prestart", "start_prim", "stop_prim", "poststop", "start_sec"};

std::uint64_t base_seed() {
  if (const char* env = std::getenv("HAVEN_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

// What the invariants need to remember across one sequence.
struct Observer {
  NodeKnowledge saved;                // the knowledge as last saved (or given to begin)
  std::uint64_t last_promotion = 0;   // generation when it last became primary
  ModuleState state = ModuleState::stop;
  bool hook_outstanding = false;
  std::deque<TimePoint> loop;         // reference maxloop count
};

void check_actions(Observer& o, const std::vector<Action>& actions, const Event& event) {
  const auto* command = std::get_if<CommandEvent>(&event);
  const bool admin_prim =
      command && (command->command == Command::prim || command->command == Command::primforce);
  int replies = 0;
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<SaveKnowledge>(&a)) {
      // Only prim/primforce may turn stale data into up-to-date data on one node.
      if (!o.saved.data_uptodate && s->knowledge.data_uptodate) CHECK(admin_prim);
      // A promotion is saved as exactly one more generation, with the role it takes.
      CHECK(s->knowledge.generation >= o.saved.generation);
      if (s->knowledge.generation != o.saved.generation) {
        CHECK(s->knowledge.generation == o.saved.generation + 1);
        CHECK(s->knowledge.last_role == Role::prim);
      }
      o.saved = s->knowledge;
    } else if (const auto* e = std::get_if<EnterState>(&a)) {
      if (e->state == ModuleState::alone || e->state == ModuleState::prim) {
        CHECK(o.saved.data_uptodate);
        if (o.state != e->state) {
          // Each time it becomes primary, under a generation newer than the last time.
          CHECK(o.saved.generation > o.last_promotion);
          o.last_promotion = o.saved.generation;
        }
      }
      o.state = e->state;
    } else if (std::get_if<RunHook>(&a)) {
      CHECK_FALSE(o.hook_outstanding);  // one hook at a time
      o.hook_outstanding = true;
    } else if (const auto* r = std::get_if<CommandReply>(&a)) {
      ++replies;
      REQUIRE(command);
      CHECK(r->command == command->command);
      if (!r->accepted) CHECK_FALSE(r->message.empty());
    }
  }
  if (command) CHECK(replies == 1);
}

}  // namespace

TEST_CASE("random event sequences keep the mirror invariants", "[mirror][property]") {
  const std::uint64_t base = base_seed();
  WARN("mirror property test base seed " << base << " (replay: HAVEN_SEED=" << base << ")");
  for (std::uint64_t seed = base; seed < base + 300; ++seed) {
    INFO("seed " << seed << " (replay: HAVEN_SEED=" << seed << ")");
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };

    auto settings = default_settings();
    settings.maxloop = 1 + pick(4);
    settings.loop_interval = std::chrono::minutes(pick(3) == 0 ? 0 : 30);
    settings.hooks_enabled = pick(8) != 0;
    NodeKnowledge known{pick(2) == 0, pick(2) == 0 ? Role::none : Role::prim, static_cast<std::uint64_t>(pick(5))};
    Driver d(known, settings);
    d.send_peer_after_start = false;  // the sequence sends PeerUpdates itself
    Observer o;
    o.saved = known;
    o.last_promotion = known.generation;

    for (int step = 0; step < 150; ++step) {
      d.now += std::chrono::minutes(pick(10));
      Event event;
      const int roll = pick(100);
      if (d.machine.hook_pending() && roll < 45) {
        HookFinished done;
        done.hook = d.run_hooks.back().hook;
        if (pick(6) == 0) {
          done.ok = false;
          done.exit_code = pick(2) == 0 ? -1 : 1 + pick(5);
          done.timed_out = done.exit_code == -1;
        }
        event = done;
      } else if (roll < 75) {
        CommandEvent c;
        c.command = kCommands[pick(9)];
        if (pick(3) == 0) c.identity = "errd";
        event = c;
      } else if (roll < 88) {
        PeerView peer;
        peer.reachable = pick(6) == 0;
        peer.node = "node2";
        event = Membership{{peer}};
      } else if (roll < 95) {
        event = HookFinished{kHookNames[pick(6)], pick(2) == 0, 0, false, ""};
      } else {
        event = TimerFired{"unused"};
      }

      // The reference maxloop count, to compare with what the machine did.
      bool expect_maxloop = false;
      if (const auto* c = std::get_if<CommandEvent>(&event)) {
        if (c->identity.empty()) {
          o.loop.clear();
        } else if (settings.loop_interval.count() > 0) {
          while (!o.loop.empty() && d.now - o.loop.front() >= settings.loop_interval) o.loop.pop_front();
          o.loop.push_back(d.now);
          expect_maxloop = static_cast<int>(o.loop.size()) > settings.maxloop;
        }
      }
      const bool answering = std::holds_alternative<HookFinished>(event) && d.machine.hook_pending() &&
                             std::get<HookFinished>(event).hook == d.run_hooks.back().hook;
      if (answering) o.hook_outstanding = false;

      std::vector<Action> actions;
      REQUIRE_NOTHROW(actions = d.feed(event));
      check_actions(o, actions, event);
      bool maxloop_reported = false;
      for (const auto& a : actions)
        if (const auto* r = std::get_if<Report>(&a); r && r->message.find("called by maxloop") != std::string::npos)
          maxloop_reported = true;
      CHECK(maxloop_reported == expect_maxloop);
      CHECK(d.machine.knowledge() == o.saved);
      CHECK(d.machine.hook_pending() == o.hook_outstanding);
    }

    // Liveness: answer every hook and tell the peer is gone; the module must settle.
    for (int i = 0; i < 200 && (d.machine.hook_pending() || d.machine.waiting_for_peer()); ++i) {
      Event event = d.machine.hook_pending() ? Event{HookFinished{d.run_hooks.back().hook, true, 0, false, ""}}
                                             : Event{Membership{}};
      if (d.machine.hook_pending()) o.hook_outstanding = false;
      check_actions(o, d.feed(event), event);
    }
    CHECK_FALSE(d.machine.hook_pending());
    CHECK(d.machine.sub_state() != SubState::transient);
  }
}
