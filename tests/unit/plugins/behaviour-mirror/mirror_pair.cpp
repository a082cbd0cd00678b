#include "mirror_pair.hpp"

#include <catch2/catch.hpp>

namespace mirror_test {

ServiceSettings settings_for(const std::string& node) {
  ServiceSettings s = default_settings();
  s.local_node = node;
  return s;
}

Pair::Pair(NodeKnowledge k1, NodeKnowledge k2, ServiceSettings s1, ServiceSettings s2)
    : nodes{Driver(k1, std::move(s1)), Driver(k2, std::move(s2))} {
  for (auto& d : nodes) d.send_peer_after_start = false;
  propagate();
}

PeerView Pair::view_of(int i) const {
  const auto& d = nodes[static_cast<std::size_t>(i)];
  PeerView view;
  view.node = i == 0 ? "node1" : "node2";
  view.reachable = connected;
  if (connected) {
    view.state = d.machine.state();
    view.sub = d.machine.sub_state();
    view.knowledge = d.machine.knowledge();
  }
  return view;
}

std::vector<Action> Pair::feed(int i, const Event& event) {
  auto out = (*this)[i].feed(event);
  if (on_event) on_event(i, event, out);
  propagate();
  return out;
}

void Pair::propagate() {
  for (int round = 0; round < 200; ++round) {
    bool any = false;
    for (int i : {0, 1}) {
      PeerView view = view_of(1 - i);
      auto& last = delivered_[static_cast<std::size_t>(i)];
      const bool changed = !last || last->reachable != view.reachable || last->state != view.state || last->sub != view.sub ||
                           !(last->knowledge == view.knowledge);
      if (!changed && !(*this)[i].machine.waiting_for_peer()) continue;
      last = view;
      auto out = (*this)[i].feed(view);
      if (on_event) on_event(i, Membership{{view}}, out);
      any = true;
    }
    if (!any) return;
  }
}

CommandReply Pair::command(int i, Command c, std::string identity) {
  auto& d = (*this)[i];
  const auto before = d.replies.size();
  feed(i, CommandEvent{c, false, std::move(identity)});
  CommandReply reply = d.replies.size() > before ? d.replies.back() : CommandReply{c, false, "no reply"};
  settle();
  return reply;
}

void Pair::in_sync(int i) {
  feed(i, ReplicationNews{ReplicationNews::Kind::in_sync});
  settle();
}

void Pair::cut() {
  connected = false;
  propagate();
}

void Pair::heal() {
  connected = true;
  propagate();
}

bool Pair::answer(int i) {
  auto& d = (*this)[i];
  if (!d.machine.hook_pending()) return false;
  HookFinished done;
  done.hook = d.run_hooks.back().hook;
  if (auto it = d.failures.find(done.hook); it != d.failures.end()) {
    done = it->second;
    done.hook = d.run_hooks.back().hook;
    done.ok = false;
  }
  feed(i, done);
  return true;
}

bool Pair::settle(int max_steps) {
  for (int step = 0; step < max_steps; ++step)
    if (!answer(0) && !answer(1)) return true;
  return false;
}

Pair running_pair(ServiceSettings s1, ServiceSettings s2) {
  Pair p({}, {}, std::move(s1), std::move(s2));
  REQUIRE(p.command(0, Command::prim).accepted);
  REQUIRE(p.command(1, Command::start).accepted);
  p.in_sync(1);
  REQUIRE(p.state(0) == ModuleState::prim);
  REQUIRE(p.state(1) == ModuleState::second);
  REQUIRE(p.sub(1) == SubState::ready);
  return p;
}

}  // namespace mirror_test
