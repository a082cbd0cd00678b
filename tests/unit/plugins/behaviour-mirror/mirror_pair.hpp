// Two mirror machines wired together through a simulated link: after every event one of
// them handles, each learns the other's state and knowledge as a PeerView (or, with the
// link cut, that its peer is unreachable). Hooks are answered by the test.
#pragma once

#include <array>
#include <functional>
#include <optional>

#include "mirror_driver.hpp"

namespace mirror_test {

ServiceSettings settings_for(const std::string& node);

struct Pair {
  std::array<Driver, 2> nodes;  // node1, node2
  bool connected = true;
  /// Called after every event a node handles, with that node's index and its actions.
  std::function<void(int, const Event&, const std::vector<Action>&)> on_event;

  explicit Pair(NodeKnowledge k1 = {}, NodeKnowledge k2 = {}, ServiceSettings s1 = settings_for("node1"),
                ServiceSettings s2 = settings_for("node2"));

  Driver& operator[](int i) { return nodes[static_cast<std::size_t>(i)]; }
  ModuleState state(int i) const { return nodes[static_cast<std::size_t>(i)].machine.state(); }
  SubState sub(int i) const { return nodes[static_cast<std::size_t>(i)].machine.sub_state(); }

  /// Feeds one event to node i, then lets the news travel until both sides are quiet.
  std::vector<Action> feed(int i, const Event& event);
  /// A command on node i, then every hook of both nodes answered. Returns its reply.
  CommandReply command(int i, Command c, std::string identity = "");
  /// The replication layer of node i says its copy is in sync.
  void in_sync(int i);
  void cut();
  void heal();
  /// Answers one pending hook of node i (as scripted in its failures); false if none.
  bool answer(int i);
  /// Answers hooks of both nodes until neither has one; false if it never ends.
  bool settle(int max_steps = 1000);
  /// Delivers each side's current view to the other while it changed.
  void propagate();

 private:
  PeerView view_of(int i) const;
  std::array<std::optional<PeerView>, 2> delivered_;  // the last view node i was given
};

/// node1 PRIM, node2 SECOND Ready in sync, from a first start (the test fails at once if the
/// pair cannot get there).
Pair running_pair(ServiceSettings s1 = settings_for("node1"), ServiceSettings s2 = settings_for("node2"));

}  // namespace mirror_test
