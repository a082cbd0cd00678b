#include "farm_driver.hpp"

namespace farm_test {

ServiceSettings farm_settings(const std::string& node) {
  ServiceSettings s;
  s.module = "web";
  s.mode = "farm";
  s.local_node = node;
  s.load_groups = {LoadGroup{"FarmProto", {}}};
  return s;
}

PeerView peer(const std::string& node, ModuleState state, bool reachable) {
  PeerView p;
  p.node = node;
  p.state = state;
  p.sub = SubState::ready;
  p.reachable = reachable;
  return p;
}

Driver::Driver(ServiceSettings settings) {
  for (auto& a : machine.begin(settings, {}, now)) actions.push_back(a);
  for (const auto& a : actions)
    if (const auto* e = std::get_if<EnterState>(&a)) states.push_back(*e);
}

std::vector<Action> Driver::feed(const Event& event) {
  now += std::chrono::seconds(1);
  auto out = machine.handle(event, now);
  for (const auto& a : out) {
    actions.push_back(a);
    if (const auto* h = std::get_if<RunHook>(&a)) {
      std::string call = h->hook;
      for (const auto& arg : h->args) call += " " + arg;
      hooks.push_back(call);
      run_hooks.push_back(*h);
    } else if (const auto* e = std::get_if<EnterState>(&a)) {
      states.push_back(*e);
    } else if (const auto* r = std::get_if<CommandReply>(&a)) {
      replies.push_back(*r);
    } else if (const auto* d = std::get_if<DealBuckets>(&a)) {
      deals.push_back(*d);
    } else if (const auto* rep = std::get_if<Report>(&a)) {
      reports.push_back(*rep);
    }
  }
  return out;
}

CommandReply Driver::command(Command c, std::string identity) {
  const auto before = replies.size();
  feed(CommandEvent{c, false, std::move(identity)});
  settle();
  return replies.size() > before ? replies[before] : CommandReply{c, false, "no reply"};
}

bool Driver::answer_one() {
  if (!machine.hook_pending() || run_hooks.empty()) return false;
  const auto& hook = run_hooks.back().hook;
  auto it = failures.find(hook);
  feed(it != failures.end() ? Event{it->second} : Event{HookFinished{hook, true, 0, false, ""}});
  return true;
}

bool Driver::settle(int max_steps) {
  for (int i = 0; i < max_steps; ++i)
    if (!answer_one()) return true;
  return false;
}

bool Driver::reported(const std::string& fragment) const {
  for (const auto& r : reports)
    if (r.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::size_t Driver::load(const std::string& group) const {
  for (auto it = deals.rbegin(); it != deals.rend(); ++it)
    if (it->group == group) return it->owned.count();
  return 0;
}

}  // namespace farm_test
