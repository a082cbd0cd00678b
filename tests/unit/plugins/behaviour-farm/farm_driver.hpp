// A test driver for the farm state machine: feeds events in simulated time, answers each
// RunHook (success, or a failure scripted per hook) and records what it was asked.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "farm_state_machine.hpp"

namespace farm_test {

using namespace haven;

/// A farm module "web" on `node` with one load-balancing group "FarmProto".
ServiceSettings farm_settings(const std::string& node = "node1");

/// A peer as its heartbeats would show it.
PeerView peer(const std::string& node, ModuleState state, bool reachable = true);

struct Driver {
  farm::FarmStateMachine machine;
  TimePoint now{};
  std::vector<Action> actions;
  std::vector<std::string> hooks;  // "start_both WAIT UP start"
  std::vector<RunHook> run_hooks;
  std::vector<EnterState> states;
  std::vector<CommandReply> replies;
  std::vector<DealBuckets> deals;
  std::vector<Report> reports;
  std::map<std::string, HookFinished> failures;  // hook name -> how it fails (every time)

  explicit Driver(ServiceSettings settings = farm_settings());

  std::vector<Action> feed(const Event& event);
  /// Sends a command and answers every hook until the machine waits for nothing.
  CommandReply command(Command c, std::string identity = "");
  /// Answers the pending hook, if any, as scripted in `failures`.
  bool answer_one();
  /// Answers hooks until settled; false if it did not settle.
  bool settle(int max_steps = 200);
  bool reported(const std::string& fragment) const;
  /// The buckets this node serves per the last deal of `group` (none before any deal).
  std::size_t load(const std::string& group = "FarmProto_0") const;
};

}  // namespace farm_test
