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
         d.feed(PeerUpdate{});
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

const Command kCommands[] = {Command::start,   Command::stop,      Command::forcestop,
                             Command::prim,    Command::primforce, Command::second,
                             Command::restart, Command::stopstart, Command::swap};

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
        if (reply.accepted) d.feed(PeerUpdate{});
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
    d.feed(PeerUpdate{});
    d.settle();
    d.command(Command::forcestop);
  }
}
