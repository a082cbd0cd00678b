// The mirror's typed host steps (SDK 2.0): what the agent does around each hook comes from
// the RunHook itself, never from the hook's name.
#include <catch2/catch.hpp>

#include <algorithm>

#include "mirror_driver.hpp"
#include "mirror_pair.hpp"

using namespace mirror_test;
using S = ModuleState;

namespace {

const RunHook* find_hook(const Driver& d, const std::string& hook, HookPhase phase = HookPhase::start) {
  for (const auto& h : d.run_hooks)
    if (h.hook == hook && h.phase == phase) return &h;
  return nullptr;
}

template <typename T>
const T* step_of(const std::vector<HostStep>& steps, std::size_t at) {
  return at < steps.size() ? std::get_if<T>(&steps[at]) : nullptr;
}

}  // namespace

TEST_CASE("start_prim makes this node the replication sender first and takes the VIPs once it succeeded", "[mirror][steps]") {
  Driver d({true, Role::prim, 1});
  d.command(Command::prim);
  REQUIRE(d.machine.state() == S::alone);  // one node, no peer: ALONE, through start_prim
  const RunHook* start = find_hook(d, "start_prim");
  REQUIRE(start != nullptr);
  REQUIRE(start->before.size() == 1);
  const auto* replicate = step_of<StartReplication>(start->before, 0);
  REQUIRE(replicate != nullptr);
  CHECK(replicate->role == ReplicaRole::sender);
  CHECK(replicate->keep_aside_label.empty());
  REQUIRE(start->after_success.size() == 1);
  CHECK(step_of<TakeVips>(start->after_success, 0) != nullptr);
  CHECK(start->after.empty());
  // Hooks that move nothing carry no steps.
  const RunHook* both = find_hook(d, "start_both");
  REQUIRE(both != nullptr);
  CHECK(both->before.empty());
  CHECK(both->after_success.empty());
  CHECK(both->after.empty());
}

TEST_CASE("stop_prim releases the VIPs and refuses unforwarded writes before it runs, then stops the sender", "[mirror][steps]") {
  Driver d({true, Role::prim, 1});
  d.command(Command::prim);
  d.command(Command::stop);
  REQUIRE(d.machine.state() == S::stop);
  const RunHook* graceful = find_hook(d, "stop_prim", HookPhase::graceful_stop);
  REQUIRE(graceful != nullptr);
  REQUIRE(graceful->before.size() == 2);
  CHECK(step_of<ReleaseVips>(graceful->before, 0) != nullptr);
  CHECK(step_of<RefuseUnforwardedWrites>(graceful->before, 1) != nullptr);
  REQUIRE(graceful->after.size() == 1);
  const auto* stop = step_of<StopReplication>(graceful->after, 0);
  REQUIRE(stop != nullptr);
  CHECK(stop->role == ReplicaRole::sender);
  CHECK_FALSE(stop->forced);  // the application may still hold files: the forced pass follows
  const RunHook* forced = find_hook(d, "stop_prim", HookPhase::force_stop);
  REQUIRE(forced != nullptr);
  const auto* forced_stop = step_of<StopReplication>(forced->after, 0);
  REQUIRE(forced_stop != nullptr);
  CHECK(forced_stop->forced);
}

TEST_CASE("a node that lost a split brain keeps its writes aside when it starts receiving, once", "[mirror][steps][splitbrain]") {
  Pair p = running_pair();
  p.cut();
  p.settle();
  p.heal();
  p.settle();
  REQUIRE(p.state(0) == S::second);
  std::vector<const RunHook*> starts;
  for (const auto& h : p[0].run_hooks)
    if (h.hook == "start_second") starts.push_back(&h);
  REQUIRE_FALSE(starts.empty());
  const auto* receive = step_of<StartReplication>(starts.back()->before, 0);
  REQUIRE(receive != nullptr);
  CHECK(receive->role == ReplicaRole::receiver);
  CHECK(receive->keep_aside_label == "node1");
  // Kept once: a later start as secondary keeps nothing aside.
  p[0].command(Command::stop);
  p.settle();
  p[0].command(Command::start);
  p.settle();
  REQUIRE(p.state(0) == S::second);
  const RunHook* again = nullptr;
  for (const auto& h : p[0].run_hooks)
    if (h.hook == "start_second") again = &h;
  REQUIRE(again != starts.back());
  const auto* plain = step_of<StartReplication>(again->before, 0);
  REQUIRE(plain != nullptr);
  CHECK(plain->keep_aside_label.empty());
}

TEST_CASE("a module without hooks gets the same host steps as CarryOut, in the hooks' order", "[mirror][steps]") {
  auto settings = default_settings();
  settings.hooks_enabled = false;
  Driver d({true, Role::prim, 1}, settings);
  d.command(Command::prim);
  REQUIRE(d.machine.state() == S::alone);  // one node, no peer: ALONE, through start_prim
  CHECK(d.run_hooks.empty());
  std::vector<CarryOut> carried;
  for (const auto& a : d.actions)
    if (const auto* c = std::get_if<CarryOut>(&a)) carried.push_back(*c);
  REQUIRE(carried.size() == 1);
  REQUIRE(carried[0].steps.size() == 2);
  CHECK(step_of<StartReplication>(carried[0].steps, 0) != nullptr);
  CHECK(step_of<TakeVips>(carried[0].steps, 1) != nullptr);
}

TEST_CASE("the crash clean-up plan forces every role's stop, then poststop; nothing after STOP or without hooks", "[mirror][steps]") {
  mirror::MirrorStateMachine machine;
  const auto plan = machine.crash_cleanup(default_settings(), S::prim);
  std::vector<std::string> calls;
  for (const auto& h : plan) {
    std::string call = h.hook;
    for (const auto& a : h.args) call += " " + a;
    calls.push_back(call);
    CHECK(h.phase == HookPhase::force_stop);
  }
  CHECK(calls == std::vector<std::string>{"stop_sec force PRIM STOP stop", "stop_prim force PRIM STOP stop",
                                          "stop_second force PRIM STOP stop", "stop_both force PRIM STOP stop",
                                          "poststop PRIM STOP stop"});
  const auto unknown = machine.crash_cleanup(default_settings(), std::nullopt);
  REQUIRE(unknown.size() == 5);
  CHECK(unknown[1].args == std::vector<std::string>{"force", "UNKNOWN", "STOP", "stop"});
  CHECK(machine.crash_cleanup(default_settings(), S::stop).empty());
  auto no_hooks = default_settings();
  no_hooks.hooks_enabled = false;
  CHECK(machine.crash_cleanup(no_hooks, S::second).empty());
}

TEST_CASE("the rfs.uptodate resource follows every SaveKnowledge and starts with what the node knew", "[mirror][steps]") {
  Driver d({true, Role::prim, 1});
  auto resource_after = [&](std::size_t i) -> const SetResource* {
    return i + 1 < d.actions.size() ? std::get_if<SetResource>(&d.actions[i + 1]) : nullptr;
  };
  bool first_is_up = false;
  for (const auto& a : d.actions)
    if (const auto* r = std::get_if<SetResource>(&a)) {
      first_is_up = r->name == "rfs.uptodate" && r->value == "up";
      break;
    }
  CHECK(first_is_up);
  d.command(Command::prim);
  d.command(Command::stop);
  int saves = 0;
  for (std::size_t i = 0; i < d.actions.size(); ++i)
    if (const auto* save = std::get_if<SaveKnowledge>(&d.actions[i])) {
      ++saves;
      const auto* r = resource_after(i);
      REQUIRE(r != nullptr);
      CHECK(r->name == "rfs.uptodate");
      CHECK(r->value == (save->knowledge.data_uptodate ? "up" : "down"));
    }
  CHECK(saves > 0);
}

TEST_CASE("a mirror hears of its peer by heartbeats", "[mirror][steps]") {
  CHECK(mirror::MirrorStateMachine().peer_discovery() == PeerDiscovery::heartbeat_pair);
}
