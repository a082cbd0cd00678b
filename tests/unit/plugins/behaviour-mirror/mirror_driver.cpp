#include "mirror_driver.hpp"

namespace mirror_test {

ServiceSettings default_settings() {
  ServiceSettings s;
  s.module = kModule;
  s.local_node = "node1";
  return s;
}

Driver::Driver(NodeKnowledge known, ServiceSettings settings) {
  for (auto& a : machine.begin(settings, known, now)) actions.push_back(a);
  for (const auto& a : actions)
    if (const auto* e = std::get_if<EnterState>(&a)) states.push_back(*e);
}

std::vector<Action> Driver::feed(const Event& event) {
  auto out = machine.handle(event, now);
  for (const auto& a : out) {
    actions.push_back(a);
    if (const auto* h = std::get_if<RunHook>(&a)) {
      std::string line = h->hook;
      for (const auto& arg : h->args) line += " " + arg;
      hooks.push_back(line);
      run_hooks.push_back(*h);
    } else if (const auto* k = std::get_if<SaveKnowledge>(&a)) {
      saved.push_back(k->knowledge);
    } else if (const auto* r = std::get_if<CommandReply>(&a)) {
      replies.push_back(*r);
    } else if (const auto* e = std::get_if<EnterState>(&a)) {
      states.push_back(*e);
    } else if (const auto* p = std::get_if<Report>(&a)) {
      reports.push_back(*p);
    }
  }
  return out;
}

CommandReply Driver::command(Command c, std::string identity) {
  auto before = replies.size();
  feed(CommandEvent{c, false, std::move(identity)});
  CommandReply reply = replies.size() > before ? replies.back() : CommandReply{c, false, "no reply"};
  bool starts = c == Command::start || c == Command::prim || c == Command::primforce ||
                c == Command::second || c == Command::stopstart;
  if (send_peer_after_start && reply.accepted && starts) feed(PeerView{});
  settle();
  return reply;
}

bool Driver::answer_one() {
  if (!machine.hook_pending()) return false;
  const std::string name = run_hooks.back().hook;
  HookFinished done;
  done.hook = name;
  auto it = failures.find(name);
  if (it != failures.end()) {
    done = it->second;
    done.hook = name;
    done.ok = false;
  }
  feed(done);
  return true;
}

bool Driver::settle(int max_steps) {
  for (int i = 0; i < max_steps; ++i) {
    if (answer_one()) continue;
    if (machine.waiting_for_peer() && send_peer_after_start) {
      feed(PeerView{});
      continue;
    }
    return true;
  }
  return false;
}

std::vector<std::string> Driver::hooks_since(std::size_t from) const {
  return {hooks.begin() + static_cast<std::ptrdiff_t>(from), hooks.end()};
}

bool Driver::reported(const std::string& fragment) const {
  for (const auto& r : reports)
    if (r.message.find(fragment) != std::string::npos) return true;
  return false;
}

}  // namespace mirror_test
