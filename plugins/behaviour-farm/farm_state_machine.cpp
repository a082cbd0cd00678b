#include "farm_state_machine.hpp"

#include <algorithm>
#include <utility>

#include "bucket_deal.hpp"
#include "haven/overloaded.hpp"

namespace haven::farm {
namespace {

using S = ModuleState;
using P = HookPhase;


// Built as named values: GCC 12 warns (maybe-uninitialized) on a braced temporary moved into
// a variant's vector.
HostStep take_vips() { return HostStep(std::in_place_type<TakeVips>); }
HostStep release_vips() { return HostStep(std::in_place_type<ReleaseVips>); }

// "FarmProto_0": the name the seed product logs and shows a group's share under.
std::string group_label(const LoadGroup& group, std::size_t index) { return group.name + "_" + std::to_string(index); }

}  // namespace

std::vector<Action> FarmStateMachine::begin(const ServiceSettings& settings, const NodeKnowledge& known, TimePoint /*now*/) {
  settings_ = settings;
  knowledge_ = known;
  loop_ = LoopCounter(settings.maxloop, settings.loop_interval);
  state_ = S::stop;
  sub_ = SubState::not_ready;
  plan_.clear();
  pending_hook_.reset();
  deferred_stop_.reset();
  held_by_.clear();
  peers_.clear();
  members_.clear();
  serving_ = false;
  std::vector<Action> out;
  enter(out, S::stop, SubState::not_ready, "stopped");
  return out;
}

std::vector<Action> FarmStateMachine::handle(const Event& event, TimePoint now) {
  return std::visit(Overloaded{
                        [&](const CommandEvent& e) { return on_command(e, now); },
                        [&](const HookFinished& e) { return on_hook_finished(e); },
                        [&](const Membership& e) { return on_membership(e); },
                        [&](const TimerFired& e) {
                          return std::vector<Action>{Report{LogLevel::debug, "module " + label() + ": timer " + e.name + " is not used; ignored"}};
                        },
                        [&](const ReplicationNews&) {
                          return std::vector<Action>{Report{LogLevel::debug, "module " + label() + ": a farm module replicates nothing; replication news ignored"}};
                        },
                    },
                    event);
}

std::vector<RunHook> FarmStateMachine::crash_cleanup(const ServiceSettings& settings, std::optional<ModuleState> died_in) const {
  if (!settings.hooks_enabled || died_in == S::stop) return {};
  const std::string from = died_in ? to_string(*died_in) : "UNKNOWN";
  return {RunHook{"stop_both", {"force", from, "STOP", "stop"}, P::force_stop, {}, {}, {}},
          RunHook{"poststop", {from, "STOP", "stop"}, P::force_stop, {}, {}, {}}};
}

std::vector<Action> FarmStateMachine::on_command(const CommandEvent& command, TimePoint now) {
  std::vector<Action> out;
  const bool hold_change = command.command == Command::wait_off ||
                           (command.command == Command::wait_on && !held_by_.empty() && held_by_ == command.identity);
  if (hold_change) {
    // The end of a hold, or its repeat, is no new action of a detector's.
  } else if (command.identity.empty()) {
    loop_.reset();
  } else if (loop_.record(now)) {
    const std::string message = "Action stop called by maxloop: " + std::string(to_string(command.command)) + " -i " +
                                command.identity + " is detector action number " + std::to_string(loop_.count()) +
                                " within loop_interval (" + std::to_string(loop_.interval().count()) + " ms), more than maxloop=" +
                                std::to_string(loop_.maxloop()) + ". Module " + label() +
                                " is stopped; find why the detector keeps acting, then run 'haven start -m " + label() + "'";
    out.push_back(Report{LogLevel::error, message});
    if (state_ != S::stop) (void)dispatch(CommandEvent{Command::stop, false, "maxloop"}, out);
    out.push_back(CommandReply{command.command, false, message});
    run_plan(out);
    return out;
  }
  out.push_back(dispatch(command, out));
  run_plan(out);
  return out;
}

CommandReply FarmStateMachine::dispatch(const CommandEvent& command, std::vector<Action>& out) {
  const Command c = command.command;
  auto accept = [&](std::string message) { return CommandReply{c, true, std::move(message)}; };
  auto refuse = [&](std::string message) { return CommandReply{c, false, std::move(message)}; };
  switch (c) {
    case Command::prim:
    case Command::primforce:
    case Command::second:
    case Command::swap:
    case Command::failover_on:
    case Command::failover_off:
      return refuse("module " + label() + " is a " + settings_.mode + " module: every node runs the application, there is no primary; '" +
                    std::string(to_string(c)) + "' applies to mirror modules");
    case Command::start:
      if (state_ != S::stop || !settled()) return refuse("module " + label() + " is already started (" + to_string(state_) + ")");
      plan_start();
      return accept("starting");
    case Command::stop:
    case Command::forcestop: {
      const bool graceful = c == Command::stop;
      if (state_ == S::stop && settled()) return accept("module " + label() + " is already stopped");
      if (pending_hook_) {
        // The running hook ends first; the rest of the plan is dropped for the stop.
        plan_.clear();
        deferred_stop_ = c;
        return accept("stopping once hook " + pending_hook_->hook + " has ended");
      }
      plan_.clear();
      plan_stop(graceful, "stop", command.identity == "maxloop" ? "stopped by maxloop" : graceful ? "stopped by the administrator" : "force-stopped by the administrator");
      return accept(graceful ? "stopping" : "force-stopping");
    }
    case Command::restart:
      if (state_ != S::up || sub_ != SubState::ready || !settled())
        return refuse("module " + label() + " restarts only when UP (Ready); it is " + to_string(state_) + " (" + to_string(sub_) + ")");
      plan_restart();
      return accept("restarting the application");
    case Command::stopstart:
      if (state_ == S::stop) return refuse("module " + label() + " is stopped: start it with 'haven start -m " + label() + "'");
      if (!settled()) return refuse("module " + label() + " is busy (" + to_string(state_) + " " + to_string(sub_) + "); try again once it has settled");
      plan_stop(true, "stopstart", "stopstart" + (command.identity.empty() ? std::string() : " asked by " + command.identity));
      plan_.push_back(StartAgainStep{});
      return accept("stopping, then starting again");
    case Command::wait_on: {
      const bool again = held_by_ == command.identity;
      held_by_ = command.identity.empty() ? "the administrator" : command.identity;
      if (again) return accept("rule " + held_by_ + " already holds the module");
      if (state_ == S::up && settled()) {
        plan_leave_up("stopwait", "rule " + held_by_ + " asked to wait");
        plan_.push_back(StateStep{S::wait, SubState::not_ready, "rule " + held_by_ + " holds the module"});
      } else if (state_ == S::wait && settled()) {
        enter(out, S::wait, SubState::not_ready, "rule " + held_by_ + " holds the module");
      }
      return accept("held in WAIT by " + held_by_);
    }
    case Command::wait_off:
      if (held_by_.empty()) return accept("nothing holds the module");
      held_by_.clear();
      if (state_ == S::wait && settled()) plan_.push_back(DecideStep{});
      return accept("released");
  }
  return refuse("unknown command");
}

std::vector<Action> FarmStateMachine::on_hook_finished(const HookFinished& finished) {
  std::vector<Action> out;
  if (!pending_hook_ || pending_hook_->hook != finished.hook) {
    out.push_back(Report{LogLevel::warning, "module " + label() + ": hook " + finished.hook + " reported finished while " +
                                                (pending_hook_ ? "hook " + pending_hook_->hook + " is running" : "no hook is running") + "; ignored"});
    return out;
  }
  const HookStep done = std::move(*pending_hook_);
  pending_hook_.reset();
  const std::string call = done.hook + " " + join_words(done.args);
  if (deferred_stop_) {
    const bool graceful = *deferred_stop_ == Command::stop;
    deferred_stop_.reset();
    if (!finished.ok) out.push_back(Report{LogLevel::warning, "hook " + call + " of module " + label() + " " + describe_failure(finished) + "; the module stops as asked"});
    if (done.serve_after && finished.ok) serving_ = true;  // the VIPs were taken: the stop releases them
    plan_stop(graceful, "stop", graceful ? "stopped by the administrator" : "force-stopped by the administrator");
  } else if (!finished.ok && done.phase == P::start) {
    out.push_back(Report{LogLevel::error, "hook " + call + " of module " + label() + " " + describe_failure(finished) +
                                              ". This node leaves the farm: its stop hooks run, then poststop, and the module goes to STOP; "
                                              "the other nodes serve its share. Fix the hook, then run 'haven start -m " + label() + "'"});
    plan_.clear();
    plan_stop(true, "stop", "stopped because hook " + done.hook + " failed");
  } else if (!finished.ok) {
    out.push_back(Report{LogLevel::warning, "hook " + call + " of module " + label() + " " + describe_failure(finished) + "; the stop goes on"});
  }
  run_plan(out);
  return out;
}

std::vector<Action> FarmStateMachine::on_membership(const Membership& membership) {
  std::vector<Action> out;
  peers_ = membership.peers;
  if (serving_ && settled()) redeal(out, false);
  return out;
}

void FarmStateMachine::plan_start() {
  plan_.push_back(StateStep{S::wait, SubState::transient, "starting: transition, prestart"});
  plan_.push_back(HookStep{"transition", {"STOP", "WAIT", "start"}, P::start});
  plan_.push_back(HookStep{"prestart", {"STOP", "WAIT", "start"}, P::start});
  plan_.push_back(DecideStep{});
}

void FarmStateMachine::plan_up() {
  plan_.push_back(StateStep{S::up, SubState::transient, "starting the application: transition, start_both"});
  plan_.push_back(HookStep{"transition", {"WAIT", "UP", "start"}, P::start});
  HookStep start{"start_both", {"WAIT", "UP", "start"}, P::start};
  start.serve_after = true;
  plan_.push_back(std::move(start));
  plan_.push_back(ServeStep{});
}

void FarmStateMachine::plan_leave_up(const std::string& action, const std::string& reason) {
  plan_.push_back(StateStep{S::wait, SubState::transient, "leaving UP: " + reason});
  HookStep stop{"stop_both", {"UP", "WAIT", action}, P::graceful_stop};
  stop.unserve_before = true;
  plan_.push_back(std::move(stop));
  plan_.push_back(HookStep{"transition", {"UP", "WAIT", action}, P::graceful_stop});
}

void FarmStateMachine::plan_stop(bool graceful, const std::string& action, const std::string& reason) {
  const bool from_up = state_ == S::up;
  if (from_up && graceful) plan_leave_up(action, reason);
  else if (state_ != S::wait || sub_ != SubState::transient) plan_.push_back(StateStep{S::wait, SubState::transient, "stopping: " + reason});
  HookStep forced{"stop_both", {"force", "WAIT", "STOP", action}, P::force_stop};
  forced.unserve_before = true;  // nothing to do unless a forcestop left UP directly
  plan_.push_back(std::move(forced));
  plan_.push_back(HookStep{"poststop", {"WAIT", "STOP", action}, P::force_stop});
  plan_.push_back(HookStep{"transition", {"WAIT", "STOP", action}, P::force_stop});
  plan_.push_back(StateStep{S::stop, SubState::not_ready, reason});
}

void FarmStateMachine::plan_restart() {
  plan_.push_back(StateStep{S::up, SubState::transient, "restart: stop_both, then start_both"});
  plan_.push_back(HookStep{"stop_both", {"UP", "UP", "stop"}, P::graceful_stop});
  plan_.push_back(HookStep{"stop_both", {"force", "UP", "UP", "stop"}, P::force_stop});
  plan_.push_back(HookStep{"start_both", {"UP", "UP", "start"}, P::start});
  plan_.push_back(StateStep{S::up, SubState::ready, "restarted"});
}

void FarmStateMachine::run_plan(std::vector<Action>& out) {
  while (!plan_.empty() && !pending_hook_) {
    Step step = std::move(plan_.front());
    plan_.pop_front();
    std::visit(Overloaded{
                   [&](HookStep& h) {
                     RunHook run{h.hook, h.args, h.phase, {}, {}, {}};
                     if (h.unserve_before && serving_) {
                       stop_serving(out);
                       run.before.push_back(release_vips());  // clients stop arriving before the application stops
                     }
                     if (h.serve_after) run.after_success.push_back(take_vips());
                     if (!settings_.hooks_enabled) {
                       if (!run.before.empty() || !run.after_success.empty()) {
                         CarryOut carry{run.before};
                         carry.steps.insert(carry.steps.end(), run.after_success.begin(), run.after_success.end());
                         out.push_back(std::move(carry));
                       }
                       return;
                     }
                     out.push_back(std::move(run));
                     pending_hook_ = std::move(h);
                   },
                   [&](StateStep& s) { enter(out, s.state, s.sub, std::move(s.reason)); },
                   [&](ServeStep&) {
                     serving_ = true;
                     enter(out, S::up, SubState::ready, "serving its share of the load");
                     redeal(out, true);
                   },
                   [&](DecideStep&) {
                     if (!held_by_.empty()) enter(out, S::wait, SubState::not_ready, "rule " + held_by_ + " holds the module");
                     else plan_up();
                   },
                   [&](StartAgainStep&) { plan_start(); },
               },
               step);
  }
  // A membership change that came while the plan ran counts now.
  if (serving_ && settled()) redeal(out, false);
}

std::vector<std::string> FarmStateMachine::current_members() const {
  std::vector<std::string> members{settings_.local_node};
  for (const auto& p : peers_)
    if (p.reachable && p.state == S::up && !p.node.empty() && p.node != settings_.local_node) members.push_back(p.node);
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  return members;
}

void FarmStateMachine::redeal(std::vector<Action>& out, bool force) {
  const auto members = current_members();
  if (!force && members == members_) return;
  members_ = members;
  for (std::size_t i = 0; i < settings_.load_groups.size(); ++i) {
    const auto& group = settings_.load_groups[i];
    const auto deal = deal_buckets(members, group.power);
    DealBuckets share;
    share.group = group_label(group, i);
    share.members = members;
    if (auto mine = deal.find(settings_.local_node); mine != deal.end()) share.owned = mine->second;
    for (const auto& member : members) share.shares.push_back(deal.at(member));
    out.push_back(Report{LogLevel::info, "farm membership: " + join_words(members) + " (group " + share.group + ")"});
    out.push_back(Report{LogLevel::info, "farm load: " + std::to_string(share.owned.count()) + "/" + std::to_string(kLoadBuckets) +
                                             " (group " + share.group + ")"});
    out.push_back(std::move(share));
  }
}

void FarmStateMachine::stop_serving(std::vector<Action>& out) {
  serving_ = false;
  members_.clear();
  for (std::size_t i = 0; i < settings_.load_groups.size(); ++i) {
    DealBuckets none;
    none.group = group_label(settings_.load_groups[i], i);
    out.push_back(Report{LogLevel::info, "farm load: 0/" + std::to_string(kLoadBuckets) + " (group " + none.group + "): this node leaves the farm"});
    out.push_back(std::move(none));
  }
}

void FarmStateMachine::enter(std::vector<Action>& out, ModuleState state, SubState sub, std::string reason) {
  if (state == S::stop && std::none_of(plan_.begin(), plan_.end(), [](const Step& s) { return std::holds_alternative<StartAgainStep>(s); }))
    held_by_.clear();  // a hold ends with the module, unless this STOP is a stopstart's middle
  state_ = state;
  sub_ = sub;
  out.push_back(EnterState{state, sub, std::move(reason)});
}

std::string FarmStateMachine::label() const { return settings_.module.empty() ? "(unnamed)" : settings_.module; }

}  // namespace haven::farm
