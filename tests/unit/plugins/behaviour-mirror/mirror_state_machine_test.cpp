#include <catch2/catch.hpp>

#include "mirror_driver.hpp"

using namespace mirror_test;
using Hooks = std::vector<std::string>;

namespace {

const Hooks kStopToWait{"transition STOP WAIT start", "prestart STOP WAIT start"};
const Hooks kWaitToAlone{"transition WAIT ALONE start", "start_both WAIT ALONE start", "start_prim WAIT ALONE start",
                         "start_sec WAIT ALONE start"};
const Hooks kAloneToStop{"stop_sec ALONE WAIT stop",         "stop_prim ALONE WAIT stop",
                         "stop_both ALONE WAIT stop",        "transition ALONE WAIT stop",
                         "stop_sec force WAIT STOP stop",    "stop_prim force WAIT STOP stop",
                         "stop_second force WAIT STOP stop", "stop_both force WAIT STOP stop",
                         "poststop WAIT STOP stop",          "transition WAIT STOP stop"};

Hooks concat(std::initializer_list<Hooks> parts) {
  Hooks out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The index of the first action of type T at or after `from` matching `pred`, or -1.
template <typename T, typename Pred>
long index_of(const std::vector<Action>& actions, Pred pred, std::size_t from = 0) {
  for (std::size_t i = from; i < actions.size(); ++i)
    if (const auto* a = std::get_if<T>(&actions[i]); a && pred(*a)) return static_cast<long>(i);
  return -1;
}

// A driver whose module is ALONE after `prim`.
Driver alone_driver(ServiceSettings settings = default_settings()) {
  Driver d({}, settings);
  REQUIRE(d.command(Command::prim).accepted);
  REQUIRE(d.machine.state() == ModuleState::alone);
  return d;
}

}  // namespace

TEST_CASE("prim on a fresh node goes to ALONE with the seed's hooks and arguments", "[mirror]") {
  Driver d;
  auto reply = d.command(Command::prim);
  CHECK(reply.accepted);
  CHECK(d.hooks == concat({kStopToWait, kWaitToAlone}));
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.machine.sub_state() == SubState::ready);
  CHECK(d.machine.knowledge() == NodeKnowledge{true, Role::prim, 1});

  // Up to date is saved before any hook runs, and the promotion before the start hooks.
  auto first_save = index_of<SaveKnowledge>(d.actions, [](const SaveKnowledge& s) { return s.knowledge.data_uptodate; });
  auto first_hook = index_of<RunHook>(d.actions, [](const RunHook&) { return true; });
  REQUIRE(first_save >= 0);
  CHECK(first_save < first_hook);
  auto promotion =
      index_of<SaveKnowledge>(d.actions, [](const SaveKnowledge& s) { return s.knowledge.generation == 1; });
  auto start_both = index_of<RunHook>(d.actions, [](const RunHook& h) { return h.hook == "start_both"; });
  REQUIRE(promotion >= 0);
  CHECK(promotion < start_both);
  for (const auto& h : d.run_hooks) CHECK(h.phase == HookPhase::start);
}

TEST_CASE("hooks of a start run in WAIT Transient, then ALONE Ready is entered", "[mirror]") {
  Driver d;
  d.feed(CommandEvent{Command::prim, false, ""});
  CHECK(d.machine.state() == ModuleState::wait);
  CHECK(d.machine.sub_state() == SubState::transient);
  CHECK(d.machine.hook_pending());
  d.feed(PeerView{});
  while (d.machine.state() != ModuleState::alone) {
    CHECK(d.machine.sub_state() == SubState::transient);
    REQUIRE(d.answer_one());
  }
  CHECK(d.machine.sub_state() == SubState::ready);
  CHECK_FALSE(d.machine.hook_pending());
}

TEST_CASE("stop from ALONE runs graceful stops, forced stops, poststop, then STOP and saves knowledge", "[mirror]") {
  Driver d = alone_driver();
  auto mark = d.mark();
  auto saves = d.saved.size();
  CHECK(d.command(Command::stop).accepted);
  CHECK(d.hooks_since(mark) == kAloneToStop);
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.machine.sub_state() == SubState::not_ready);
  REQUIRE(d.saved.size() > saves);
  CHECK(d.saved.back() == NodeKnowledge{true, Role::prim, 1});
  // Graceful phase for the X→WAIT hooks, forced phase for WAIT→STOP.
  auto tail = std::vector<RunHook>(d.run_hooks.end() - 10, d.run_hooks.end());
  for (int i = 0; i < 4; ++i) CHECK(tail[i].phase == HookPhase::graceful_stop);
  for (int i = 4; i < 10; ++i) CHECK(tail[i].phase == HookPhase::force_stop);
}

TEST_CASE("start after a clean stop from ALONE goes back to ALONE with a new generation", "[mirror]") {
  Driver d = alone_driver();
  d.command(Command::stop);
  auto mark = d.mark();
  CHECK(d.command(Command::start).accepted);
  CHECK(d.hooks_since(mark) == concat({kStopToWait, kWaitToAlone}));
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.machine.knowledge() == NodeKnowledge{true, Role::prim, 2});
}

TEST_CASE("a start asked while the module is stopping is carried out once the stop has finished", "[mirror]") {
  Driver d = alone_driver();
  auto mark = d.mark();
  d.feed(CommandEvent{Command::stop, false, ""});
  REQUIRE(d.answer_one());  // the stop is under way: a hook is pending
  d.feed(CommandEvent{Command::start, false, ""});
  REQUIRE_FALSE(d.replies.empty());
  CHECK(d.replies.back().accepted);
  CHECK(d.replies.back().message.find("starts again once its stop has finished") != std::string::npos);
  REQUIRE(d.settle());
  CHECK(d.hooks_since(mark) == concat({kAloneToStop, kStopToWait, kWaitToAlone}));
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.machine.knowledge() == NodeKnowledge{true, Role::prim, 2});
}

TEST_CASE("a stop asked after a start that waits for a stop cancels that start", "[mirror]") {
  Driver d = alone_driver();
  d.feed(CommandEvent{Command::stop, false, ""});
  REQUIRE(d.answer_one());
  d.feed(CommandEvent{Command::start, false, ""});
  d.feed(CommandEvent{Command::stop, false, ""});
  CHECK(d.replies.back().message.find("it will not start again") != std::string::npos);
  REQUIRE(d.settle());
  CHECK(d.machine.state() == ModuleState::stop);
}

TEST_CASE("start of a node whose data was never up to date waits in WAIT NotReady and says to run prim", "[mirror]") {
  Driver d;
  CHECK(d.command(Command::start).accepted);
  CHECK(d.hooks == kStopToWait);
  CHECK(d.machine.state() == ModuleState::wait);
  CHECK(d.machine.sub_state() == SubState::not_ready);
  CHECK_THAT(d.last_state().reason, Catch::Contains("Data may not be up to date"));
  CHECK_THAT(d.last_state().reason, Catch::Contains("haven prim -m generic-mirror"));
  CHECK(d.reported("Data may not be up to date"));
  CHECK(d.saved.empty());

  SECTION("a later prim promotes it") {
    auto mark = d.mark();
    CHECK(d.command(Command::prim).accepted);
    CHECK(d.hooks_since(mark) == kWaitToAlone);
    CHECK(d.machine.state() == ModuleState::alone);
    CHECK(d.machine.knowledge() == NodeKnowledge{true, Role::prim, 1});
  }
  SECTION("a later primforce promotes it") {
    CHECK(d.command(Command::primforce).accepted);
    CHECK(d.machine.state() == ModuleState::alone);
  }
  SECTION("stop from there runs only the forced phase") {
    auto mark = d.mark();
    CHECK(d.command(Command::stop).accepted);
    CHECK(d.hooks_since(mark) == Hooks(kAloneToStop.begin() + 4, kAloneToStop.end()));
    CHECK(d.machine.state() == ModuleState::stop);
  }
}

TEST_CASE("the machine waits in WAIT for news of the peer before choosing ALONE", "[mirror]") {
  Driver d;
  d.send_peer_after_start = false;
  d.command(Command::prim);
  CHECK(d.machine.state() == ModuleState::wait);
  CHECK(d.machine.sub_state() == SubState::transient);
  CHECK(d.machine.waiting_for_peer());
  CHECK(d.hooks == kStopToWait);
  d.feed(PeerView{});
  d.settle();
  CHECK(d.machine.state() == ModuleState::alone);
}

TEST_CASE("a reachable peer in WAIT whose data is stale lets the up-to-date node become PRIM directly", "[mirror]") {
  Driver d;
  d.send_peer_after_start = false;
  d.command(Command::prim);
  PeerView peer;
  peer.reachable = true;
  peer.node = "node2";
  peer.state = ModuleState::wait;
  const auto mark = d.mark();
  d.feed(peer);
  d.settle();
  // The seed's WAIT→PRIM: the waiting peer is to be its secondary, so no start_sec.
  CHECK(d.machine.state() == ModuleState::prim);
  CHECK(d.hooks_since(mark) == Hooks{"transition WAIT PRIM start", "start_both WAIT PRIM start",
                                     "start_prim WAIT PRIM start"});
  CHECK_THAT(d.last_state().reason, Catch::Contains("node2"));
  // The peer stops instead of becoming SECOND: PRIM → ALONE.
  peer.state = ModuleState::stop;
  d.feed(peer);
  d.settle();
  CHECK(d.machine.state() == ModuleState::alone);
}

TEST_CASE("a failing start_prim stops the module: stop hooks, poststop, STOP", "[mirror]") {
  Driver d;
  d.failures["start_prim"] = HookFinished{"start_prim", false, 3, false, "service did not start"};
  d.command(Command::prim);
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.machine.sub_state() == SubState::not_ready);
  CHECK(d.hooks == Hooks{"transition STOP WAIT start", "prestart STOP WAIT start", "transition WAIT ALONE start",
                         "start_both WAIT ALONE start", "start_prim WAIT ALONE start", "stop_sec WAIT STOP stop",
                         "stop_prim WAIT STOP stop", "stop_both WAIT STOP stop", "stop_sec force WAIT STOP stop",
                         "stop_prim force WAIT STOP stop", "stop_second force WAIT STOP stop",
                         "stop_both force WAIT STOP stop", "poststop WAIT STOP stop", "transition WAIT STOP stop"});
  bool found = false;
  for (const auto& r : d.reports)
    if (r.level == LogLevel::error && r.message.find("start_prim") != std::string::npos &&
        r.message.find("code 3") != std::string::npos && r.message.find("STOP") != std::string::npos)
      found = true;
  CHECK(found);
  CHECK_THAT(d.last_state().reason, Catch::Contains("start_prim"));

  SECTION("once fixed, start goes to ALONE: its data was declared up to date") {
    d.failures.clear();
    d.command(Command::start);
    CHECK(d.machine.state() == ModuleState::alone);
  }
}

TEST_CASE("a failing prestart stops the module with only the forced phase", "[mirror]") {
  Driver d;
  d.failures["prestart"] = HookFinished{"prestart", false, -1, true, "killed at its timeout"};
  d.command(Command::prim);
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.hooks == concat({kStopToWait, Hooks(kAloneToStop.begin() + 4, kAloneToStop.end())}));
  CHECK(d.reported("timed out"));
}

TEST_CASE("a failing stop hook is reported and the stop goes on", "[mirror]") {
  Driver d = alone_driver();
  d.failures["stop_prim"] = HookFinished{"stop_prim", false, 1, false, ""};
  auto mark = d.mark();
  d.command(Command::stop);
  CHECK(d.hooks_since(mark) == kAloneToStop);
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.reported("the stop goes on"));
}

TEST_CASE("without <user> no hook runs at all, and the states are the same", "[mirror]") {
  auto settings = default_settings();
  settings.hooks_enabled = false;
  Driver d({}, settings);
  d.command(Command::prim);
  CHECK(d.machine.state() == ModuleState::alone);
  d.command(Command::restart);
  d.command(Command::stop);
  CHECK(d.machine.state() == ModuleState::stop);
  d.command(Command::start);
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.run_hooks.empty());
}

TEST_CASE("forcestop from ALONE runs only the forced phase", "[mirror]") {
  Driver d = alone_driver();
  auto mark = d.mark();
  CHECK(d.command(Command::forcestop).accepted);
  CHECK(d.hooks_since(mark) == Hooks(kAloneToStop.begin() + 4, kAloneToStop.end()));
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.machine.knowledge().data_uptodate);
}

TEST_CASE("restart re-runs the application hooks and stays ALONE", "[mirror]") {
  Driver d = alone_driver();
  auto mark = d.mark();
  auto states = d.states.size();
  CHECK(d.command(Command::restart).accepted);
  CHECK(d.hooks_since(mark) ==
        Hooks{"stop_sec ALONE ALONE stop", "stop_prim ALONE ALONE stop", "stop_both ALONE ALONE stop",
              "stop_sec force ALONE ALONE stop", "stop_prim force ALONE ALONE stop",
              "stop_both force ALONE ALONE stop", "start_both ALONE ALONE start", "start_prim ALONE ALONE start",
              "start_sec ALONE ALONE start"});
  for (auto i = states; i < d.states.size(); ++i) CHECK(d.states[i].state == ModuleState::alone);
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.machine.sub_state() == SubState::ready);
  CHECK(d.machine.knowledge().generation == 1);
}

TEST_CASE("stopstart stops then starts again, with the stopstart action", "[mirror]") {
  Driver d = alone_driver();
  auto mark = d.mark();
  CHECK(d.command(Command::stopstart).accepted);
  auto hooks = d.hooks_since(mark);
  REQUIRE(hooks.size() == 16);
  CHECK(hooks.front() == "stop_sec ALONE WAIT stopstart");
  CHECK(hooks[9] == "transition WAIT STOP stopstart");
  CHECK(hooks[10] == "transition STOP WAIT stopstart");
  CHECK(hooks.back() == "start_sec WAIT ALONE stopstart");
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.machine.knowledge().generation == 2);
}

TEST_CASE("a stop during the start hooks is taken after the running hook", "[mirror]") {
  Driver d;
  d.feed(CommandEvent{Command::prim, false, ""});
  d.feed(PeerView{});
  d.answer_one();  // transition
  d.answer_one();  // prestart
  d.answer_one();  // transition WAIT ALONE
  REQUIRE(d.run_hooks.back().hook == "start_both");
  d.feed(CommandEvent{Command::stop, false, ""});
  CHECK(d.replies.back().accepted);
  CHECK(d.machine.hook_pending());
  d.settle();
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.hooks[4] == "stop_sec WAIT STOP stop");
  CHECK(d.hooks.back() == "transition WAIT STOP stop");
}

TEST_CASE("a stop during stopstart cancels the start again", "[mirror]") {
  Driver d = alone_driver();
  d.feed(CommandEvent{Command::stopstart, false, ""});
  d.answer_one();
  d.feed(CommandEvent{Command::stop, false, ""});
  CHECK(d.replies.back().accepted);
  d.settle();
  CHECK(d.machine.state() == ModuleState::stop);
}

TEST_CASE("other commands while a hook runs are refused, naming the hook", "[mirror]") {
  Driver d;
  d.feed(CommandEvent{Command::prim, false, ""});
  auto reply = d.command(Command::restart);
  CHECK_FALSE(reply.accepted);
  CHECK_THAT(reply.message, Catch::Contains("transition"));
  CHECK_THAT(reply.message, Catch::Contains("generic-mirror"));
}

TEST_CASE("a HookFinished that matches no pending hook is ignored with a report", "[mirror]") {
  Driver d;
  d.feed(HookFinished{"start_prim", true, 0, false, ""});
  CHECK(d.machine.state() == ModuleState::stop);
  CHECK(d.reported("no hook is running"));
  d.feed(CommandEvent{Command::prim, false, ""});
  auto pending = d.run_hooks.size();
  d.feed(HookFinished{"poststop", false, 1, false, ""});
  CHECK(d.reported("hook transition is running"));
  CHECK(d.machine.hook_pending());
  CHECK(d.run_hooks.size() == pending);
  d.feed(PeerView{});
  d.settle();
  CHECK(d.machine.state() == ModuleState::alone);
}

TEST_CASE("commands that make no sense are refused with the state and what to do", "[mirror]") {
  Driver d;
  auto r = d.command(Command::stop);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("STOP"));
  r = d.command(Command::second);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("no peer is reachable"));
  d.command(Command::prim);
  r = d.command(Command::start);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("ALONE"));
  r = d.command(Command::swap);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("no secondary"));
  r = d.command(Command::prim);
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("already primary"));
  CHECK(d.machine.state() == ModuleState::alone);
}

TEST_CASE("maxloop stops the module at the detector action after maxloop, in simulated time", "[mirror][maxloop]") {
  auto settings = default_settings();
  settings.maxloop = 3;
  settings.loop_interval = std::chrono::hours(24);
  Driver d = alone_driver(settings);
  for (int i = 0; i < 3; ++i) {
    d.now += std::chrono::hours(1);
    CHECK(d.command(Command::restart, "errd").accepted);
    CHECK(d.machine.state() == ModuleState::alone);
  }
  d.now += std::chrono::hours(1);
  auto r = d.command(Command::restart, "errd");
  CHECK_FALSE(r.accepted);
  CHECK_THAT(r.message, Catch::Contains("Action stop called by maxloop"));
  CHECK(d.reported("Action stop called by maxloop"));
  CHECK(d.machine.state() == ModuleState::stop);

  SECTION("an administrator's command resets the count") {
    d.command(Command::start);
    for (int i = 0; i < 3; ++i) CHECK(d.command(Command::restart, "errd").accepted);
    CHECK(d.machine.state() == ModuleState::alone);
  }
}

TEST_CASE("maxloop counts only within loop_interval", "[mirror][maxloop]") {
  auto settings = default_settings();
  settings.maxloop = 2;
  settings.loop_interval = std::chrono::minutes(10);
  Driver d = alone_driver(settings);
  for (int i = 0; i < 10; ++i) {
    d.now += std::chrono::minutes(6);  // at most two in any ten minutes
    CHECK(d.command(Command::restart, "errd").accepted);
  }
  CHECK(d.machine.state() == ModuleState::alone);
  d.now += std::chrono::minutes(1);  // the third within ten minutes
  CHECK_FALSE(d.command(Command::restart, "errd").accepted);
  CHECK(d.machine.state() == ModuleState::stop);
}

TEST_CASE("loop_interval 0 disables maxloop", "[mirror][maxloop]") {
  auto settings = default_settings();
  settings.maxloop = 1;
  settings.loop_interval = std::chrono::milliseconds(0);
  Driver d = alone_driver(settings);
  for (int i = 0; i < 10; ++i) CHECK(d.command(Command::restart, "errd").accepted);
  CHECK(d.machine.state() == ModuleState::alone);
}

TEST_CASE("an in-sync SECOND takes its primary's generation, so that its takeover outranks the old primary", "[mirror]") {
  Driver d;
  d.send_peer_after_start = false;
  const auto primary = [](std::uint64_t generation) {
    return PeerView{true, "node2", ModuleState::alone, SubState::ready, NodeKnowledge{true, Role::prim, generation}};
  };
  d.feed(primary(3));
  d.command(Command::start);
  d.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
  REQUIRE(d.machine.state() == ModuleState::second);
  CHECK(d.machine.knowledge() == NodeKnowledge{true, Role::second, 3});
  // The primary restarted with a new generation and reintegrated this copy, which stayed up to date.
  d.feed(primary(5));
  d.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
  CHECK(d.machine.knowledge().generation == 5);
  REQUIRE_FALSE(d.saved.empty());
  CHECK(d.saved.back().generation == 5);
  // Its takeover now outranks generation 5.
  d.feed(PeerView{});
  d.settle();
  CHECK(d.machine.state() == ModuleState::alone);
  CHECK(d.machine.knowledge().generation == 6);
}

TEST_CASE("a SECOND in sync takes the generation its primary announces later (after a swap)", "[mirror]") {
  Driver d;
  d.send_peer_after_start = false;
  d.feed(PeerView{true, "node2", ModuleState::alone, SubState::ready, NodeKnowledge{true, Role::prim, 3}});
  d.command(Command::start);
  d.feed(ReplicationNews{ReplicationNews::Kind::in_sync});
  REQUIRE(d.machine.state() == ModuleState::second);
  REQUIRE(d.machine.sub_state() == SubState::ready);
  d.feed(PeerView{true, "node2", ModuleState::prim, SubState::ready, NodeKnowledge{true, Role::prim, 4}});
  CHECK(d.machine.knowledge().generation == 4);
  CHECK(d.saved.back().generation == 4);
}
