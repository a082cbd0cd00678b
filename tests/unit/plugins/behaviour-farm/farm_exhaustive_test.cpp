// Every situation the farm can be in, with every event: the machine answers each command
// once, runs one hook at a time, serves a share only when UP, and settles in a stable state.
#include <catch2/catch.hpp>

#include <algorithm>

#include <functional>

#include "farm_driver.hpp"

using namespace farm_test;
using S = ModuleState;

namespace {

struct Situation {
  std::string name;
  std::function<void(Driver&)> reach;
};

std::vector<Situation> situations() {
  return {
      {"stopped", [](Driver&) {}},
      {"starting, prestart running", [](Driver& d) { d.feed(CommandEvent{Command::start, false, ""}); d.answer_one(); }},
      {"start_both running", [](Driver& d) {
         d.feed(CommandEvent{Command::start, false, ""});
         for (int i = 0; i < 3; ++i) d.answer_one();
       }},
      {"up alone", [](Driver& d) { d.command(Command::start); }},
      {"up with two peers", [](Driver& d) {
         d.command(Command::start);
         d.feed(Membership{{peer("node2", S::up), peer("node3", S::up)}});
       }},
      {"held in wait", [](Driver& d) {
         d.command(Command::start);
         d.command(Command::wait_on, "c_x");
       }},
      {"stopping, stop_both running", [](Driver& d) {
         d.command(Command::start);
         d.feed(CommandEvent{Command::stop, false, ""});
       }},
      {"restarting", [](Driver& d) {
         d.command(Command::start);
         d.feed(CommandEvent{Command::restart, false, ""});
       }},
  };
}

std::vector<std::pair<std::string, Event>> events() {
  std::vector<std::pair<std::string, Event>> list;
  for (Command c : {Command::start, Command::stop, Command::forcestop, Command::prim, Command::primforce, Command::second,
                    Command::restart, Command::stopstart, Command::swap, Command::failover_on, Command::failover_off})
    for (const char* who : {"", "t_web"}) list.emplace_back(std::string(to_string(c)) + (*who ? " -i t_web" : ""), CommandEvent{c, false, who});
  list.emplace_back("wait -i c_x", CommandEvent{Command::wait_on, false, "c_x"});
  list.emplace_back("wait release", CommandEvent{Command::wait_off, false, "c_x"});
  list.emplace_back("hook ok", HookFinished{"start_both", true, 0, false, ""});
  list.emplace_back("hook failed", HookFinished{"stop_both", false, 1, false, ""});
  list.emplace_back("peers none", Membership{});
  list.emplace_back("peer up", Membership{{peer("node2", S::up)}});
  list.emplace_back("peer lost", Membership{{peer("node2", S::up, false)}});
  list.emplace_back("peer wait", Membership{{peer("node2", S::wait)}});
  list.emplace_back("timer", TimerFired{"x"});
  list.emplace_back("replication news", ReplicationNews{});
  return list;
}

}  // namespace

TEST_CASE("every situation x every event keeps the farm's invariants", "[farm][exhaustive]") {
  int cases = 0;
  for (const auto& situation : situations()) {
    for (const auto& [name, event] : events()) {
      INFO(situation.name << " <- " << name);
      Driver d;
      situation.reach(d);
      const bool pending_before = d.machine.hook_pending();
      const auto out = d.feed(event);
      int replies = 0;
      int hooks = 0;
      for (const auto& a : out) {
        if (std::holds_alternative<CommandReply>(a)) ++replies;
        if (std::holds_alternative<RunHook>(a)) ++hooks;
        if (const auto* deal = std::get_if<DealBuckets>(&a)) {
          CHECK((deal->owned.none() || d.machine.state() == S::up));  // a share only while UP
          // Every member's share is told, they cover the 256 buckets once, and this node's is among them.
          REQUIRE(deal->shares.size() == deal->members.size());
          std::bitset<kLoadBuckets> all;
          std::size_t total = 0;
          for (const auto& share : deal->shares) {
            all |= share;
            total += share.count();
          }
          if (!deal->members.empty()) CHECK((all.all() && total == kLoadBuckets));
          if (deal->owned.any())
            CHECK(std::find(deal->shares.begin(), deal->shares.end(), deal->owned) != deal->shares.end());
        }
      }
      CHECK(replies == (std::holds_alternative<CommandEvent>(event) ? 1 : 0));
      CHECK(hooks <= 1);
      if (pending_before && !std::holds_alternative<HookFinished>(event)) CHECK(hooks == 0);
      // Answered to the end, it settles where it can stay.
      REQUIRE(d.settle());
      const auto st = d.machine.state();
      const auto sub = d.machine.sub_state();
      CHECK(((st == S::stop && sub == SubState::not_ready) || (st == S::up && sub == SubState::ready) ||
             (st == S::wait && sub == SubState::not_ready)));
      if (st != S::up) CHECK(d.load() == 0);
      if (st == S::up) CHECK(d.load() > 0);
      ++cases;
    }
  }
  CHECK(cases == static_cast<int>(situations().size() * events().size()));
}
