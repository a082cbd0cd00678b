// Every situation the one-node machine can be in × every command: a transition or a
// refusal, never an exception, and always back to a settled state once hooks are answered.
#include <catch2/catch.hpp>

#include <functional>

#include "mirror_driver.hpp"

using namespace mirror_test;

namespace {

struct Situation {
  const char* name;
  std::function<void(Driver&)> reach;
  bool hooks_enabled = true;
};

void answer(Driver& d, int n) {
  for (int i = 0; i < n; ++i) REQUIRE(d.answer_one());
}

const std::vector<Situation>& situations() {
  static const std::vector<Situation> all{
      {"STOP, data never up to date", [](Driver&) {}},
      {"STOP, data up to date", [](Driver& d) { d.machine.begin(default_settings(), {true, Role::prim, 3}, d.now); }},
      {"WAIT NotReady, data not up to date", [](Driver& d) { d.command(Command::start); }},
      {"WAIT Transient, waiting for the peer",
       [](Driver& d) {
         d.send_peer_after_start = false;
         d.command(Command::prim);
         d.send_peer_after_start = true;
       }},
      {"WAIT Transient, prestart running",
       [](Driver& d) {
         d.feed(CommandEvent{Command::prim, false, ""});
         answer(d, 1);
       }},
      {"WAIT Transient, start_prim running",
       [](Driver& d) {
         d.feed(CommandEvent{Command::prim, false, ""});
         d.feed(PeerView{});
         answer(d, 4);
       }},
      {"ALONE Ready", [](Driver& d) { d.command(Command::prim); }},
      {"ALONE Transient, restart running",
       [](Driver& d) {
         d.command(Command::prim);
         d.feed(CommandEvent{Command::restart, false, ""});
         answer(d, 6);
       }},
      {"WAIT Transient, graceful stop running",
       [](Driver& d) {
         d.command(Command::prim);
         d.feed(CommandEvent{Command::stop, false, ""});
         answer(d, 2);
       }},
      {"WAIT Transient, forced stop running",
       [](Driver& d) {
         d.command(Command::prim);
         d.feed(CommandEvent{Command::forcestop, false, ""});
         answer(d, 1);
       }},
      {"WAIT Transient, stopstart running",
       [](Driver& d) {
         d.command(Command::prim);
         d.feed(CommandEvent{Command::stopstart, false, ""});
         answer(d, 3);
       }},
      {"STOP after a failed start",
       [](Driver& d) {
         d.failures["start_prim"] = HookFinished{"start_prim", false, 1, false, ""};
         d.command(Command::prim);
         d.failures.clear();
       }},
      {"STOP, no hooks", [](Driver&) {}, false},
      {"ALONE, no hooks", [](Driver& d) { d.command(Command::prim); }, false},
  };
  return all;
}

const Command kCommands[] = {Command::start,     Command::stop,        Command::forcestop, Command::prim,
                             Command::primforce, Command::second,      Command::restart,   Command::stopstart,
                             Command::swap,      Command::failover_on, Command::failover_off, Command::wait_on, Command::wait_off};

PeerView peer(bool reachable, ModuleState state = ModuleState::stop, SubState sub = SubState::not_ready,
                bool uptodate = false, std::uint64_t generation = 0) {
  return PeerView{reachable, "node2", state, sub, NodeKnowledge{uptodate, Role::prim, generation}};
}

// Situations that need a peer: PRIM, SECOND, and the waits of a lost SECOND.
const std::vector<Situation>& peer_situations() {
  static const std::vector<Situation> all{
      {"PRIM Ready beside a waiting stale peer",
       [](Driver& d) {
         d.send_peer_after_start = false;
         d.command(Command::prim);
         d.feed(peer(true, ModuleState::wait));
         d.settle();
         d.send_peer_after_start = true;
       }},
      {"SECOND Transient, not yet in sync",
       [](Driver& d) {
         d.send_peer_after_start = false;
         d.feed(peer(true, ModuleState::alone, SubState::ready, true, 3));
         d.command(Command::start);
         d.send_peer_after_start = true;
       }},
      {"SECOND Ready, in sync",
       [](Driver& d) {
         d.send_peer_after_start = false;
         d.feed(peer(true, ModuleState::alone, SubState::ready, true, 3));
         d.command(Command::start);
         d.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
         d.send_peer_after_start = true;
       }},
      {"WAIT NotReady, failover off after the primary was lost",
       [](Driver& d) {
         d.send_peer_after_start = false;
         d.command(Command::failover_off);
         d.feed(peer(true, ModuleState::alone, SubState::ready, true, 3));
         d.command(Command::start);
         d.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
         d.feed(peer(false));
         d.settle();
         d.send_peer_after_start = true;
       }},
      {"SECOND Transient, failover hooks running",
       [](Driver& d) {
         d.send_peer_after_start = false;
         d.feed(peer(true, ModuleState::alone, SubState::ready, true, 3));
         d.command(Command::start);
         d.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
         d.feed(peer(false));
         d.send_peer_after_start = true;
       }},
  };
  return all;
}

// Every event a machine can receive, in simulated time.
struct NamedEvent {
  std::string name;
  std::function<Event(const Driver&)> make;
};

std::vector<NamedEvent> all_events() {
  std::vector<NamedEvent> events;
  for (Command c : kCommands)
    for (const char* identity : {"", "errd"})
      events.push_back({std::string("command ") + to_string(c) + (*identity ? " -i errd" : ""),
                        [c, identity](const Driver&) { return Event{CommandEvent{c, false, identity}}; }});
  events.push_back({"the running hook succeeds", [](const Driver& d) {
                      return Event{HookFinished{d.run_hooks.empty() ? "prestart" : d.run_hooks.back().hook, true, 0,
                                                false, ""}};
                    }});
  events.push_back({"the running hook fails", [](const Driver& d) {
                      return Event{HookFinished{d.run_hooks.empty() ? "prestart" : d.run_hooks.back().hook, false, 2,
                                                false, "failed"}};
                    }});
  events.push_back({"the running hook times out", [](const Driver& d) {
                      return Event{HookFinished{d.run_hooks.empty() ? "prestart" : d.run_hooks.back().hook, false, -1,
                                                true, "over timeout"}};
                    }});
  events.push_back({"a hook that is not running finishes",
                    [](const Driver&) { return Event{HookFinished{"no_such_hook", true, 0, false, ""}}; }});
  events.push_back({"peer lost", [](const Driver&) { return Event{Membership{{peer(false)}}}; }});
  for (ModuleState st : {ModuleState::stop, ModuleState::wait, ModuleState::alone, ModuleState::prim,
                         ModuleState::second, ModuleState::up})
    for (SubState sub : {SubState::ready, SubState::transient, SubState::not_ready})
      for (bool uptodate : {false, true})
        events.push_back({std::string("peer ") + to_string(st) + " " + to_string(sub) + (uptodate ? " up to date" : " stale"),
                          [=](const Driver&) { return Event{Membership{{peer(true, st, sub, uptodate, 9)}}}; }});
  events.push_back({"replication in sync", [](const Driver&) { return Event{ReplicationNews{ReplicationNews::Kind::in_sync}}; }});
  events.push_back({"replication behind", [](const Driver&) { return Event{ReplicationNews{ReplicationNews::Kind::behind}}; }});
  events.push_back({"an unknown timer", [](const Driver&) { return Event{TimerFired{"nothing"}}; }});
  return events;
}


}  // namespace

TEST_CASE("every situation and every command gives a transition or a refusal, and settles", "[mirror][exhaustive]") {
  for (const auto& situation : situations()) {
    for (Command command : kCommands) {
      for (const char* identity : {"", "errd"}) {
        INFO("situation: " << situation.name << "; command: " << to_string(command) << " -i '" << identity << "'");
        auto settings = default_settings();
        settings.hooks_enabled = situation.hooks_enabled;
        Driver d({}, settings);
        situation.reach(d);
        const auto state_before = d.machine.state();
        const auto sub_before = d.machine.sub_state();
        const auto replies_before = d.replies.size();

        REQUIRE_NOTHROW(d.feed(CommandEvent{command, false, identity}));
        REQUIRE(d.replies.size() == replies_before + 1);
        const auto& reply = d.replies.back();
        CHECK(reply.command == command);
        if (!reply.accepted) {
          CHECK_FALSE(reply.message.empty());
          CHECK_THAT(reply.message, Catch::Contains(kModule));
          CHECK(d.machine.state() == state_before);
          CHECK(d.machine.sub_state() == sub_before);
        }
        if (reply.accepted) d.feed(PeerView{});
        REQUIRE(d.settle());
        CHECK_FALSE(d.machine.hook_pending());
        CHECK(d.machine.sub_state() != SubState::transient);
        if (d.machine.state() == ModuleState::alone) CHECK(d.machine.knowledge().data_uptodate);
      }
    }
  }
}

TEST_CASE("refusals in STOP name the state and the command refused", "[mirror][exhaustive]") {
  // A refusal an administrator reads at 3 a.m. says which module, which state, and what to do.
  Driver d;
  for (Command command : kCommands) {
    d.feed(CommandEvent{command, false, ""});
    const auto& reply = d.replies.back();
    if (!reply.accepted) {
      CHECK_THAT(reply.message, Catch::Contains("STOP"));
      CHECK_THAT(reply.message, Catch::Contains(to_string(command)));
    }
    d.feed(PeerView{});
    d.settle();
    d.command(Command::forcestop);
  }
}

TEST_CASE("every reachable state and every event: no exception, no broken invariant, no wedge", "[mirror][exhaustive]") {
  std::vector<Situation> situations_all = situations();
  situations_all.insert(situations_all.end(), peer_situations().begin(), peer_situations().end());
  const auto events = all_events();
  for (const auto& situation : situations_all) {
    for (const auto& event : events) {
      INFO("situation: " << situation.name << "; event: " << event.name);
      auto settings = default_settings();
      settings.hooks_enabled = situation.hooks_enabled;
      Driver d({}, settings);
      situation.reach(d);
      d.now += std::chrono::minutes(7);
      const auto knowledge_before = d.machine.knowledge();
      const Event fed = event.make(d);
      std::vector<Action> actions;
      REQUIRE_NOTHROW(actions = d.feed(fed));
      int hooks = 0;
      for (const auto& a : actions) {
        if (std::holds_alternative<RunHook>(a)) ++hooks;
        if (const auto* e = std::get_if<EnterState>(&a);
            e && (e->state == ModuleState::alone || e->state == ModuleState::prim))
          CHECK(d.machine.knowledge().data_uptodate);
        if (const auto* k = std::get_if<SaveKnowledge>(&a); k && k->knowledge.data_uptodate && !knowledge_before.data_uptodate) {
          // Only prim/primforce, or the replication saying so on a SECOND, make a copy up to date.
          const auto* c = std::get_if<CommandEvent>(&fed);
          const bool admin = c && (c->command == Command::prim || c->command == Command::primforce);
          const bool in_sync = event.name == "replication in sync";
          CHECK((admin || in_sync));
        }
      }
      CHECK(hooks <= 1);  // one hook at a time
      if (d.machine.state() == ModuleState::alone || d.machine.state() == ModuleState::prim)
        CHECK(d.machine.knowledge().data_uptodate);
      // No wedge: with every hook answered and the peer gone, it settles; then stop, and prim
      // (with primforce where prim is refused) brings it back to ALONE.
      d.feed(peer(false));
      REQUIRE(d.settle());
      CHECK_FALSE(d.machine.hook_pending());
      CHECK(d.machine.sub_state() != SubState::transient);
      if (d.machine.state() != ModuleState::stop) d.command(Command::stop);
      REQUIRE(d.machine.state() == ModuleState::stop);
      if (!d.command(Command::prim).accepted) CHECK(d.command(Command::primforce).accepted);
      INFO("last state: " << d.last_state().reason << "; last reply: " << d.replies.back().message);
      CHECK(d.machine.state() == ModuleState::alone);
      CHECK(d.machine.sub_state() == SubState::ready);
    }
  }
}
