// A test driver for the mirror state machine: feeds events in simulated time, answers each
// RunHook (success, or a failure scripted per hook) and records everything it was asked.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "mirror_state_machine.hpp"

namespace mirror_test {

using namespace haven;

inline constexpr const char* kModule = "generic-mirror";

ServiceSettings default_settings();

struct Driver {
  mirror::MirrorStateMachine machine;
  TimePoint now{};
  std::vector<Action> actions;       // every action, in order
  std::vector<std::string> hooks;    // "start_prim WAIT ALONE start"
  std::vector<RunHook> run_hooks;    // the same, with phases
  std::vector<NodeKnowledge> saved;  // every SaveKnowledge
  std::vector<CommandReply> replies;
  std::vector<EnterState> states;
  std::vector<Report> reports;
  std::map<std::string, HookFinished> failures;  // hook name → how it fails (every time)
  bool send_peer_after_start = true;  // like the one-node agent: PeerView{} after a start

  explicit Driver(NodeKnowledge known = {}, ServiceSettings settings = default_settings());

  /// Feeds one event and records its actions; returns them.
  std::vector<Action> feed(const Event& event);
  /// Feeds a Membership whose only node is `peer` (PeerView{}: no reachable peer).
  std::vector<Action> feed(const PeerView& peer) { return feed(Event{Membership{{peer}}}); }
  /// Sends a command, the PeerView a one-node agent sends after a start, then answers
  /// every hook until the machine waits for nothing. Returns the command's reply.
  CommandReply command(Command c, std::string identity = "");
  /// Answers the pending hook, if any, as scripted in `failures`.
  bool answer_one();
  /// Answers hooks (and the peer question) until settled; false if it did not settle.
  bool settle(int max_steps = 200);

  std::size_t mark() const { return hooks.size(); }
  std::vector<std::string> hooks_since(std::size_t from) const;
  const EnterState& last_state() const { return states.back(); }
  bool reported(const std::string& fragment) const;
};

}  // namespace mirror_test
