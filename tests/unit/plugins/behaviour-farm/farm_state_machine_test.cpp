#include <catch2/catch.hpp>

#include "farm_driver.hpp"

using namespace farm_test;
using S = ModuleState;

TEST_CASE("start runs prestart then start_both and serves the whole load alone", "[farm]") {
  Driver d;
  REQUIRE(d.command(Command::start).accepted);
  CHECK(d.machine.state() == S::up);
  CHECK(d.machine.sub_state() == SubState::ready);
  CHECK(d.hooks == std::vector<std::string>{"transition STOP WAIT start", "prestart STOP WAIT start", "transition WAIT UP start",
                                            "start_both WAIT UP start"});
  // The VIPs follow start_both's success, never before it.
  const RunHook& start = d.run_hooks.back();
  REQUIRE(start.after_success.size() == 1);
  CHECK(std::holds_alternative<TakeVips>(start.after_success[0]));
  CHECK(start.before.empty());
  CHECK(d.load() == 256);
  CHECK(d.reported("farm membership: node1 (group FarmProto_0)"));
  CHECK(d.reported("farm load: 256/256 (group FarmProto_0)"));
}

TEST_CASE("peers that come UP share the load; one that is lost gives its share back", "[farm]") {
  Driver d;
  d.command(Command::start);
  d.feed(Membership{{peer("node2", S::up), peer("node3", S::wait)}});
  CHECK(d.load() == 128);
  CHECK(d.machine.members() == std::vector<std::string>{"node1", "node2"});
  CHECK(d.reported("farm membership: node1 node2 (group FarmProto_0)"));
  CHECK(d.reported("farm load: 128/256"));
  d.feed(Membership{{peer("node2", S::up), peer("node3", S::up)}});
  CHECK((d.load() == 85 || d.load() == 86));
  const auto deals = d.deals.size();
  d.feed(Membership{{peer("node2", S::up), peer("node3", S::up)}});
  CHECK(d.deals.size() == deals);  // nothing changed: no re-deal
  d.feed(Membership{{peer("node2", S::up, false), peer("node3", S::up)}});  // node2's heartbeats lost
  CHECK(d.load() == 128);
  d.feed(Membership{{peer("node2", S::up, false), peer("node3", S::up, false)}});  // a partition: this side takes it all
  CHECK(d.load() == 256);
  d.feed(Membership{{peer("node2", S::up), peer("node3", S::up)}});  // healed: shared again
  CHECK((d.load() == 85 || d.load() == 86));
}

TEST_CASE("stop leaves the farm first, then runs stop_both twice and poststop", "[farm]") {
  Driver d;
  d.command(Command::start);
  d.feed(Membership{{peer("node2", S::up)}});
  const auto mark = d.hooks.size();
  REQUIRE(d.command(Command::stop).accepted);
  CHECK(d.machine.state() == S::stop);
  const std::vector<std::string> stop(d.hooks.begin() + static_cast<long>(mark), d.hooks.end());
  CHECK(stop == std::vector<std::string>{"stop_both UP WAIT stop", "transition UP WAIT stop", "stop_both force WAIT STOP stop",
                                         "poststop WAIT STOP stop", "transition WAIT STOP stop"});
  CHECK(d.load() == 0);
  // The share goes before stop_both runs, with the VIPs.
  const RunHook& graceful = d.run_hooks[mark];
  REQUIRE(graceful.before.size() == 1);
  CHECK(std::holds_alternative<ReleaseVips>(graceful.before[0]));
  CHECK(d.machine.members().empty());
  // Stopped: the peers' news deals nothing.
  const auto deals = d.deals.size();
  d.feed(Membership{{peer("node2", S::wait)}});
  CHECK(d.deals.size() == deals);
}

TEST_CASE("forcestop skips the graceful pass and still stops serving before the forced stop_both", "[farm]") {
  Driver d;
  d.command(Command::start);
  const auto mark = d.hooks.size();
  REQUIRE(d.command(Command::forcestop).accepted);
  CHECK(d.machine.state() == S::stop);
  CHECK(d.hooks[mark] == "stop_both force WAIT STOP stop");
  REQUIRE(d.run_hooks[mark].before.size() == 1);
  CHECK(std::holds_alternative<ReleaseVips>(d.run_hooks[mark].before[0]));
  CHECK(d.load() == 0);
}

TEST_CASE("a failing start_both takes this node out of the farm: stop hooks, STOP, no share", "[farm]") {
  Driver d;
  d.failures["start_both"] = HookFinished{"start_both", false, 3, false, ""};
  d.command(Command::start);
  CHECK(d.machine.state() == S::stop);
  CHECK(d.reported("This node leaves the farm"));
  CHECK(d.load() == 0);
  CHECK(d.deals.empty());
}

TEST_CASE("a wait rule holds the node in WAIT without a share; its release brings it back UP", "[farm]") {
  Driver d;
  d.command(Command::start);
  d.feed(Membership{{peer("node2", S::up)}});
  REQUIRE(d.command(Command::wait_on, "c_db").accepted);
  CHECK(d.machine.state() == S::wait);
  CHECK(d.machine.sub_state() == SubState::not_ready);
  CHECK(d.states.back().reason == "rule c_db holds the module");
  CHECK(d.load() == 0);
  REQUIRE(d.command(Command::wait_off, "c_db").accepted);
  CHECK(d.machine.state() == S::up);
  CHECK(d.load() == 128);
  // A start while held stays in WAIT.
  Driver held;
  held.feed(CommandEvent{Command::wait_on, false, "c_db"});
  held.command(Command::start);
  CHECK(held.machine.state() == S::wait);
  CHECK(held.machine.sub_state() == SubState::not_ready);
  CHECK(held.deals.empty());
}

TEST_CASE("restart re-runs the application hooks and keeps the share; stopstart goes through STOP", "[farm]") {
  Driver d;
  d.command(Command::start);
  auto mark = d.hooks.size();
  REQUIRE(d.command(Command::restart, "t_web").accepted);
  CHECK(std::vector<std::string>(d.hooks.begin() + static_cast<long>(mark), d.hooks.end()) ==
        std::vector<std::string>{"stop_both UP UP stop", "stop_both force UP UP stop", "start_both UP UP start"});
  CHECK(d.machine.state() == S::up);
  CHECK(d.machine.sub_state() == SubState::ready);
  mark = d.states.size();
  REQUIRE(d.command(Command::stopstart, "t_web").accepted);
  bool stopped = false;
  for (std::size_t i = mark; i < d.states.size(); ++i) stopped = stopped || d.states[i].state == S::stop;
  CHECK(stopped);
  CHECK(d.machine.state() == S::up);
  CHECK(d.load() == 256);
}

TEST_CASE("maxloop: the fourth detector action within the interval stops the module", "[farm][maxloop]") {
  Driver d;
  d.command(Command::start);
  for (int i = 0; i < 3; ++i) REQUIRE(d.command(Command::restart, "t_web").accepted);
  const auto reply = d.command(Command::restart, "t_web");
  CHECK_FALSE(reply.accepted);
  CHECK(d.reported("Action stop called by maxloop"));
  CHECK(d.machine.state() == S::stop);
  // An administrator's command resets the count.
  d.command(Command::start);
  CHECK(d.command(Command::restart, "t_web").accepted);
}

TEST_CASE("mirror commands are refused with a reason; start twice too", "[farm]") {
  Driver d;
  for (Command c : {Command::prim, Command::primforce, Command::second, Command::swap, Command::failover_on}) {
    const auto reply = d.command(c);
    CHECK_FALSE(reply.accepted);
    CHECK(reply.message.find("no primary") != std::string::npos);
  }
  d.command(Command::start);
  CHECK_FALSE(d.command(Command::start).accepted);
  CHECK(d.machine.state() == S::up);
}

TEST_CASE("a stop asked while a hook runs waits for that hook, then stops", "[farm]") {
  Driver d;
  d.feed(CommandEvent{Command::start, false, ""});
  REQUIRE(d.machine.hook_pending());
  const auto reply = d.feed(CommandEvent{Command::stop, false, ""});
  CHECK(d.replies.back().accepted);
  d.settle();
  CHECK(d.machine.state() == S::stop);
  CHECK(d.deals.empty());
}

TEST_CASE("without <user> no hook runs: the VIPs and the deal follow the states alone", "[farm]") {
  auto settings = farm_settings();
  settings.hooks_enabled = false;
  Driver d(settings);
  d.command(Command::start);
  CHECK(d.run_hooks.empty());
  CHECK(d.machine.state() == S::up);
  CHECK(d.load() == 256);
  bool took = false;
  for (const auto& a : d.actions)
    if (const auto* c = std::get_if<CarryOut>(&a))
      for (const auto& s : c->steps) took = took || std::holds_alternative<TakeVips>(s);
  CHECK(took);
  d.command(Command::stop);
  CHECK(d.machine.state() == S::stop);
  CHECK(d.load() == 0);
}

TEST_CASE("the crash clean-up forces stop_both, then poststop", "[farm]") {
  farm::FarmStateMachine m;
  const auto plan = m.crash_cleanup(farm_settings(), S::up);
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].hook == "stop_both");
  CHECK(plan[0].args == std::vector<std::string>{"force", "UP", "STOP", "stop"});
  CHECK(plan[1].hook == "poststop");
  CHECK(m.crash_cleanup(farm_settings(), S::stop).empty());
}

TEST_CASE("a farm hears of its nodes through farm membership; a light module of none", "[farm]") {
  CHECK(farm::FarmStateMachine().peer_discovery() == PeerDiscovery::farm_membership);
  CHECK(farm::FarmStateMachine(PeerDiscovery::none).peer_discovery() == PeerDiscovery::none);
}
