#include "mirror_state_machine.hpp"

#include "haven/overloaded.hpp"
#include "hook_host_steps.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace haven::mirror {
namespace {

// The identity of the stop that maxloop orders, so that its reason says so.
constexpr std::string_view kMaxloopStop = "maxloop";

using S = ModuleState;
using P = HookPhase;

// One hook of a transition. `force`: called with "force" as its first argument.
struct HookSpec {
  const char* hook;
  HookPhase phase;
  bool force = false;
};

struct TransitionHooks {
  ModuleState from;
  ModuleState to;
  std::vector<HookSpec> hooks;
};

// The seed product's call sequences (its §14.4 figure, scripts_execution_automaton.png),
// as data. X→WAIT runs the graceful stops of the role being left; WAIT→STOP runs every
// stop hook again with "force", then poststop and transition.
const std::vector<TransitionHooks>& hook_sequences() {
  static const std::vector<TransitionHooks> table{
      {S::stop, S::wait, {{"transition", P::start}, {"prestart", P::start}}},
      {S::wait, S::alone,
       {{"transition", P::start}, {"start_both", P::start}, {"start_prim", P::start}, {"start_sec", P::start}}},
      {S::wait, S::prim, {{"transition", P::start}, {"start_both", P::start}, {"start_prim", P::start}}},
      {S::wait, S::second,
       {{"transition", P::start}, {"start_both", P::start}, {"start_second", P::start}, {"start_sec", P::start}}},
      // Two-node transitions, used by issue 3.
      {S::alone, S::prim, {{"stop_sec", P::graceful_stop}, {"transition", P::start}}},
      {S::prim, S::alone, {{"transition", P::start}, {"start_sec", P::start}}},
      {S::second, S::alone, {{"stop_second", P::graceful_stop}, {"transition", P::start}, {"start_prim", P::start}}},
      {S::prim, S::second,
       {{"stop_prim", P::graceful_stop}, {"transition", P::start}, {"start_second", P::start}, {"start_sec", P::start}}},
      {S::second, S::prim,
       {{"stop_sec", P::graceful_stop},
        {"stop_second", P::graceful_stop},
        {"transition", P::start},
        {"start_prim", P::start}}},
      // Stopping.
      {S::alone, S::wait,
       {{"stop_sec", P::graceful_stop},
        {"stop_prim", P::graceful_stop},
        {"stop_both", P::graceful_stop},
        {"transition", P::graceful_stop}}},
      {S::prim, S::wait,
       {{"stop_prim", P::graceful_stop}, {"stop_both", P::graceful_stop}, {"transition", P::graceful_stop}}},
      {S::second, S::wait,
       {{"stop_sec", P::graceful_stop},
        {"stop_second", P::graceful_stop},
        {"stop_both", P::graceful_stop},
        {"transition", P::graceful_stop}}},
      {S::wait, S::stop,
       {{"stop_sec", P::force_stop, true},
        {"stop_prim", P::force_stop, true},
        {"stop_second", P::force_stop, true},
        {"stop_both", P::force_stop, true},
        {"poststop", P::force_stop},
        {"transition", P::force_stop}}},
  };
  return table;
}

const std::vector<HookSpec>& hooks_of(ModuleState from, ModuleState to) {
  static const std::vector<HookSpec> none;
  for (const auto& t : hook_sequences())
    if (t.from == from && t.to == to) return t.hooks;
  return none;
}

bool is_role(ModuleState s) { return s == S::alone || s == S::prim || s == S::second; }

bool is_primary(ModuleState s) { return s == S::alone || s == S::prim; }

ModuleState role_of_name(const std::string& name) {
  for (ModuleState s : {S::stop, S::wait, S::alone, S::prim, S::second})
    if (name == to_string(s)) return s;
  return S::wait;
}

Role role_of(ModuleState s) {
  if (s == S::alone || s == S::prim) return Role::prim;
  if (s == S::second) return Role::second;
  return Role::none;
}


}  // namespace

// ---------------------------------------------------------------------------------------
// The command table: what each command does in each state. A command that arrives while a
// hook runs is handled by while_busy() (only stop and forcestop are taken, after the hook).
// "{m}" in a note is the module's name.
// ---------------------------------------------------------------------------------------
std::span<const MirrorStateMachine::CommandRule> MirrorStateMachine::command_rules() {
  using C = Command;
  using M = MirrorStateMachine;
  static const std::array rules{
      // STOP
      CommandRule{S::stop, C::start, &M::start, nullptr},
      CommandRule{S::stop, C::stop, nullptr, "it is already stopped"},
      CommandRule{S::stop, C::forcestop, nullptr, "it is already stopped"},
      CommandRule{S::stop, C::prim, &M::prim_from_stop, nullptr},
      CommandRule{S::stop, C::primforce, &M::prim_from_stop, nullptr},
      CommandRule{S::stop, C::second, &M::second, nullptr},
      CommandRule{S::stop, C::restart, nullptr,
                  "restart re-runs the application hooks of a running module; use 'haven start -m {m}'"},
      CommandRule{S::stop, C::stopstart, nullptr, "there is nothing to stop; use 'haven start -m {m}'"},
      CommandRule{S::stop, C::swap, nullptr,
                  "swap exchanges the roles of PRIM and SECOND; start the module first"},
      // WAIT, settled (NotReady) or waiting for news of the peer
      CommandRule{S::wait, C::start, nullptr,
                  "it is already started and waiting; if its data is good run 'haven prim -m {m}', "
                  "or 'haven stop -m {m}'"},
      CommandRule{S::wait, C::stop, &M::stop, nullptr},
      CommandRule{S::wait, C::forcestop, &M::forcestop, nullptr},
      CommandRule{S::wait, C::prim, &M::prim_in_wait, nullptr},
      CommandRule{S::wait, C::primforce, &M::prim_in_wait, nullptr},
      CommandRule{S::wait, C::second, &M::second, nullptr},
      CommandRule{S::wait, C::restart, nullptr,
                  "no application hook runs in WAIT; use 'haven stopstart -m {m}' or 'haven prim -m {m}'"},
      CommandRule{S::wait, C::stopstart, &M::stopstart, nullptr},
      CommandRule{S::wait, C::swap, nullptr, "swap needs a PRIM and a SECOND; this node is waiting"},
      // ALONE: primary without secondary
      CommandRule{S::alone, C::start, nullptr, "it is already running as primary (ALONE)"},
      CommandRule{S::alone, C::stop, &M::stop, nullptr},
      CommandRule{S::alone, C::forcestop, &M::forcestop, nullptr},
      CommandRule{S::alone, C::prim, nullptr, "it is already primary (ALONE)"},
      CommandRule{S::alone, C::primforce, nullptr, "it is already primary (ALONE)"},
      CommandRule{S::alone, C::second, &M::second, nullptr},
      CommandRule{S::alone, C::restart, &M::restart, nullptr},
      CommandRule{S::alone, C::stopstart, &M::stopstart, nullptr},
      CommandRule{S::alone, C::swap, &M::swap, nullptr},
      // PRIM: primary with secondary (reached with issue 3)
      CommandRule{S::prim, C::start, nullptr, "it is already running as primary (PRIM)"},
      CommandRule{S::prim, C::stop, &M::stop, nullptr},
      CommandRule{S::prim, C::forcestop, &M::forcestop, nullptr},
      CommandRule{S::prim, C::prim, nullptr, "it is already primary (PRIM)"},
      CommandRule{S::prim, C::primforce, nullptr, "it is already primary (PRIM)"},
      CommandRule{S::prim, C::second, &M::swap, nullptr},  // a primary becomes secondary only by a swap
      CommandRule{S::prim, C::restart, &M::restart, nullptr},
      CommandRule{S::prim, C::stopstart, &M::stopstart, nullptr},  // the peer sees WAIT and fails over
      CommandRule{S::prim, C::swap, &M::swap, nullptr},
      // SECOND: secondary of a primary (reached with issue 3)
      CommandRule{S::second, C::start, nullptr, "it is already running as secondary (SECOND)"},
      CommandRule{S::second, C::stop, &M::stop, nullptr},
      CommandRule{S::second, C::forcestop, &M::forcestop, nullptr},
      CommandRule{S::second, C::prim, nullptr,
                  "the peer is primary; use 'haven swap -m {m}' to exchange the roles"},
      CommandRule{S::second, C::primforce, nullptr, "the peer is primary; use 'haven swap -m {m}'"},
      CommandRule{S::second, C::second, nullptr, "it is already secondary (SECOND)"},
      CommandRule{S::second, C::restart, &M::restart, nullptr},
      CommandRule{S::second, C::stopstart, &M::stopstart, nullptr},
      CommandRule{S::second, C::swap, &M::swap, nullptr},
      // failover on|off: in every state, even while a hook runs (dispatch() lets them through)
      CommandRule{S::stop, C::failover_on, &M::set_failover, nullptr},
      CommandRule{S::stop, C::failover_off, &M::set_failover, nullptr},
      CommandRule{S::wait, C::failover_on, &M::set_failover, nullptr},
      CommandRule{S::wait, C::failover_off, &M::set_failover, nullptr},
      CommandRule{S::alone, C::failover_on, &M::set_failover, nullptr},
      CommandRule{S::alone, C::failover_off, &M::set_failover, nullptr},
      CommandRule{S::prim, C::failover_on, &M::set_failover, nullptr},
      CommandRule{S::prim, C::failover_off, &M::set_failover, nullptr},
      CommandRule{S::second, C::failover_on, &M::set_failover, nullptr},
      CommandRule{S::second, C::failover_off, &M::set_failover, nullptr},
      // wait on|release, from a failover rule's wait(): the hold outlives a stop of the module
      CommandRule{S::stop, C::wait_on, &M::wait_on, nullptr},
      CommandRule{S::stop, C::wait_off, &M::wait_off, nullptr},
      CommandRule{S::wait, C::wait_on, &M::wait_on, nullptr},
      CommandRule{S::wait, C::wait_off, &M::wait_off, nullptr},
      CommandRule{S::alone, C::wait_on, &M::wait_on, nullptr},
      CommandRule{S::alone, C::wait_off, &M::wait_off, nullptr},
      CommandRule{S::prim, C::wait_on, &M::wait_on, nullptr},
      CommandRule{S::prim, C::wait_off, &M::wait_off, nullptr},
      CommandRule{S::second, C::wait_on, &M::wait_on, nullptr},
      CommandRule{S::second, C::wait_off, &M::wait_off, nullptr},
  };
  return rules;
}

// ---------------------------------------------------------------------------------------

std::vector<Action> MirrorStateMachine::begin(const ServiceSettings& settings, const NodeKnowledge& known,
                                              TimePoint /*now*/) {
  settings_ = settings;
  knowledge_ = known;
  loop_ = LoopCounter(settings.maxloop, settings.loop_interval);
  state_ = S::stop;
  sub_ = SubState::not_ready;
  activity_ = Activity::idle;
  plan_.clear();
  pending_hook_.reset();
  deferred_stop_.reset();
  peer_.reset();
  want_second_ = hold_for_prim_ = swapping_ = peer_wrote_without_us_ = prim_asked_ = expecting_second_ = false;
  held_by_.clear();
  keep_aside_label_.clear();
  std::vector<Action> out;
  out.push_back(Report{LogLevel::info, "module " + module_label() + ": data " +
                                           (known.data_uptodate ? "up to date" : "not known to be up to date") +
                                           ", last role " + to_string(known.last_role) + ", generation " +
                                           std::to_string(known.generation)});
  out.push_back(uptodate_resource());
  enter(out, S::stop, SubState::not_ready, "stopped");
  return out;
}

SetResource MirrorStateMachine::uptodate_resource() const {
  return SetResource{"rfs.uptodate", knowledge_.data_uptodate ? "up" : "down"};
}

void MirrorStateMachine::save_knowledge(std::vector<Action>& out) const {
  out.push_back(SaveKnowledge{knowledge_});
  out.push_back(uptodate_resource());
}

std::vector<Action> MirrorStateMachine::handle(const Event& event, TimePoint now) {
  return std::visit(Overloaded{
                        [&](const CommandEvent& e) { return on_command(e, now); },
                        [&](const HookFinished& e) { return on_hook_finished(e); },
                        [&](const Membership& e) { return on_peer_update(e.peers.empty() ? PeerView{} : e.peers.front()); },
                        [&](const TimerFired& e) { return on_timer(e); },
                        [&](const ReplicationNews& e) { return on_replication_news(e); },
                    },
                    event);
}

std::vector<Action> MirrorStateMachine::on_command(const CommandEvent& command, TimePoint now) {
  std::vector<Action> out;
  if (command.command == Command::wait_off ||
      (command.command == Command::wait_on && !held_by_.empty() && held_by_ == command.identity)) {
    // The end of a hold, or a repeat of the hold in force, is no new action of a detector's,
    // and no administrator's either.
  } else if (command.identity.empty()) {
    loop_.reset();
  } else if (loop_.record(now)) {
    std::string message = "Action stop called by maxloop: " + std::string(to_string(command.command)) + " -i " +
                          command.identity + " is detector action number " + std::to_string(loop_.count()) +
                          " within loop_interval (" + std::to_string(loop_.interval().count()) +
                          " ms), more than maxloop=" + std::to_string(loop_.maxloop()) + ". Module " +
                          module_label() + " is stopped; find why the detector keeps acting, then run 'haven start -m " +
                          module_label() + "'";
    out.push_back(Report{LogLevel::error, message});
    if (state_ != S::stop) (void)dispatch(CommandEvent{Command::stop, false, std::string(kMaxloopStop)});
    out.push_back(CommandReply{command.command, false, message});
    run_plan(out);
    return out;
  }
  Outcome outcome = dispatch(command);
  if (outcome.accepted && (command.command == Command::failover_on || command.command == Command::failover_off))
    out.push_back(Report{LogLevel::info, outcome.message});
  out.push_back(CommandReply{command.command, outcome.accepted, outcome.message});
  run_plan(out);
  return out;
}

MirrorStateMachine::Outcome MirrorStateMachine::dispatch(const CommandEvent& command) {
  const bool setting = command.command == Command::failover_on || command.command == Command::failover_off ||
                       command.command == Command::wait_on || command.command == Command::wait_off;
  if (pending_hook_ && !setting) return while_busy(command);
  for (const auto& rule : command_rules()) {
    if (rule.state != state_ || rule.command != command.command) continue;
    if (!rule.handler) return refuse(command.command, rule.note);
    return (this->*rule.handler)(command);
  }
  return refuse(command.command, "a mirror module does not take this command in this state");
}

MirrorStateMachine::Outcome MirrorStateMachine::while_busy(const CommandEvent& command) {
  const bool stopping = activity_ == Activity::stopping || activity_ == Activity::force_stopping;
  auto drop_start_again = [this] {
    auto it = std::remove_if(plan_.begin(), plan_.end(),
                             [](const Step& s) { return std::holds_alternative<StartAgainStep>(s); });
    bool dropped = it != plan_.end();
    plan_.erase(it, plan_.end());
    return dropped;
  };
  const std::string hook = pending_hook_->hook;
  if (command.command == Command::stop) {
    if (stopping) {
      bool dropped = drop_start_again();
      return {true, dropped ? "module " + module_label() + " is stopping; it will not start again"
                            : "module " + module_label() + " is already stopping"};
    }
    if (!deferred_stop_) deferred_stop_ = Command::stop;
    return {true, "module " + module_label() + " will stop once hook " + hook + " has finished"};
  }
  if (command.command == Command::start && stopping) {
    // Carried out after the stop, as the administrator who typed both would expect.
    const bool planned = std::any_of(plan_.begin(), plan_.end(),
                                     [](const Step& s) { return std::holds_alternative<StartAgainStep>(s); });
    if (!planned) plan_.push_back(StartAgainStep{"start"});
    return {true, "module " + module_label() + " is stopping; it starts again once its stop has finished"};
  }
  if (command.command == Command::forcestop) {
    drop_start_again();
    if (activity_ == Activity::force_stopping)
      return {true, "module " + module_label() + " is already in its forced stop"};
    deferred_stop_ = Command::forcestop;
    return {true, "module " + module_label() + " will be force-stopped once hook " + hook + " has finished"};
  }
  return refuse(command.command, "hook " + hook + " is running; wait until the module settles ('haven state -m " +
                                     module_label() + "'), or run 'haven stop -m " + module_label() + "'");
}

MirrorStateMachine::Outcome MirrorStateMachine::refuse(Command command, const std::string& why) const {
  std::string text = why;
  for (auto at = text.find("{m}"); at != std::string::npos; at = text.find("{m}", at))
    text.replace(at, 3, module_label());
  return {false, std::string(to_string(command)) + " refused: module " + module_label() + " is " + to_string(state_) +
                     " (" + to_string(sub_) + "): " + text};
}

// --- handlers --------------------------------------------------------------------------

MirrorStateMachine::Outcome MirrorStateMachine::start(const CommandEvent&) {
  plan_start("start");
  return {true, "starting module " + module_label()};
}

// What prim and primforce share from STOP and from WAIT: the refusals, then the
// administrator's statement that this node's data is good. nullopt when accepted.
std::optional<MirrorStateMachine::Outcome> MirrorStateMachine::declare_uptodate(const CommandEvent& command) {
  if (command.command == Command::prim && knowledge_.last_role == Role::second && !knowledge_.data_uptodate)
    return refuse(command.command,
                  "Data may be inconsistent: this node was SECOND and its resynchronisation did not finish; "
                  "run 'haven prim -m {m}' on the node whose data is good, or if you are sure this copy is the "
                  "best one left, 'haven primforce -m {m}'");
  if (auto why = peer_blocks_prim()) return refuse(command.command, *why);
  if (!held_by_.empty())
    return refuse(command.command, "failover rule " + held_by_ + " holds it in WAIT because what it watches is down "
                                   "('haven state -m {m} -v' shows the resources); it goes on by itself once they "
                                   "are back, or run 'haven stop -m {m}'");
  want_second_ = hold_for_prim_ = false;
  prim_asked_ = true;
  // The administrator vouches for this copy as it is now: a primary seen earlier (and gone,
  // or prim would be refused above) no longer makes it stale.
  peer_wrote_without_us_ = false;
  plan_.push_back(KnowledgeStep{KnowledgeChange::mark_uptodate});
  plan_.push_back(ReportStep{LogLevel::info, "the administrator declared this node's data of module " +
                                                 module_label() + " up to date (" +
                                                 to_string(command.command) + ")"});
  return std::nullopt;
}

MirrorStateMachine::Outcome MirrorStateMachine::prim_from_stop(const CommandEvent& command) {
  if (auto refused = declare_uptodate(command)) return *refused;
  plan_start("start");
  return {true, "starting module " + module_label() + " as primary"};
}

MirrorStateMachine::Outcome MirrorStateMachine::prim_in_wait(const CommandEvent& command) {
  if (auto refused = declare_uptodate(command)) return *refused;
  if (activity_ != Activity::waiting_peer) plan_.push_back(DecideStep{});
  return {true, "module " + module_label() + " becomes primary"};
}

MirrorStateMachine::Outcome MirrorStateMachine::second(const CommandEvent& command) {
  if (!peer_ || !peer_->reachable)
    return refuse(command.command,
                  "a secondary copies its data from a reachable primary, and no peer is reachable; "
                  "check the heartbeat networks, or run 'haven prim -m {m}' on the node whose data is good");
  if (state_ == S::alone)
    return refuse(command.command, "it is primary without secondary (ALONE); start the peer " + peer_->node +
                                       " with 'haven second -m {m}' there, then 'haven swap -m {m}' here");
  want_second_ = true;
  prim_asked_ = false;
  // The administrator says this copy is the one to overwrite: the peer must not wait for it.
  if (knowledge_.data_uptodate) plan_.push_back(KnowledgeStep{KnowledgeChange::mark_stale});
  if (state_ == S::stop) {
    plan_start("start");
  } else if (activity_ != Activity::waiting_peer) {
    plan_.push_back(DecideStep{});
  }
  return {true, "module " + module_label() + " starts as secondary of node " + peer_->node};
}

MirrorStateMachine::Outcome MirrorStateMachine::stop(const CommandEvent& command) {
  held_by_.clear();  // the administrator's stop ends a rule's hold; the rules start afresh
  // Whoever reads `haven state` at 3 a.m. must see that haven stopped it, not a person.
  plan_stop(true, "stop",
            command.identity == kMaxloopStop
                ? "stopped by maxloop: detectors acted more than maxloop times within loop_interval (see the log)"
                : "stopped by the administrator");
  return {true, "stopping module " + module_label()};
}

MirrorStateMachine::Outcome MirrorStateMachine::forcestop(const CommandEvent&) {
  held_by_.clear();
  plan_stop(false, "stop", "force-stopped by the administrator");
  return {true, "force-stopping module " + module_label()};
}

MirrorStateMachine::Outcome MirrorStateMachine::restart(const CommandEvent&) {
  plan_restart();
  return {true, "restarting the application of module " + module_label()};
}

MirrorStateMachine::Outcome MirrorStateMachine::stopstart(const CommandEvent&) {
  plan_stop(true, "stopstart", "stopped by stopstart, starting again");
  plan_.push_back(StartAgainStep{});
  return {true, "stopping then starting module " + module_label()};
}

MirrorStateMachine::Outcome MirrorStateMachine::swap(const CommandEvent& command) {
  if (!peer_ || !peer_->reachable || state_ == S::alone)
    return refuse(command.command, "swap exchanges the roles of PRIM and SECOND, and there is no secondary");
  if (state_ == S::second)
    return refuse(command.command, "a swap starts on the primary, which stops first: run 'haven swap -m {m}' on node " +
                                       peer_->node);
  if (peer_->state != S::second || !peer_->knowledge.data_uptodate)
    return refuse(command.command, "the secondary " + peer_->node + " is " + to_string(peer_->state) +
                                       (peer_->knowledge.data_uptodate ? "" : ", not yet in sync") +
                                       "; swap once it is SECOND and in sync ('haven state -m {m} -v')");
  plan_swap_to_second("swap asked by the administrator");
  return {true, "swapping module " + module_label() + ": this node stops as primary, then " + peer_->node +
                    " becomes primary"};
}

// failover on|off changes only the setting. A node already waiting because failover was off
// keeps waiting when it is turned on: the administrator chose to decide, and a takeover by
// a command about the setting would surprise; `prim` (or the peer coming back) ends the wait.
MirrorStateMachine::Outcome MirrorStateMachine::set_failover(const CommandEvent& command) {
  const bool on = command.command == Command::failover_on;
  const bool was = settings_.failover;
  settings_.failover = on;
  const std::string m = module_label();
  std::string text = "module " + m + ": failover " + (was == on ? std::string("was already ") + (on ? "on" : "off")
                                                                : std::string("changed from ") + (was ? "on" : "off") +
                                                                      " to " + (on ? "on" : "off")) +
                     " (until the agent restarts; userconfig.xml is unchanged): ";
  if (on) {
    text += "an in-sync SECOND takes over by itself when its primary is lost";
    if (hold_for_prim_)
      text += ". This node lost its primary while failover was off and stays in WAIT: run 'haven prim -m " + m +
              "' here to make it primary, or start the peer, which then keeps the primary role";
  } else {
    text += "a SECOND whose primary is lost goes to WAIT ('Failover-off configured') and only 'haven prim -m " + m +
            "' makes it primary";
    if (state_ == S::second && becoming_primary())
      text += ". The takeover already under way on this node goes on";
  }
  return {true, text};
}

// A rule's wait(): a running role stops (its hooks, as a stopstart) and comes back to WAIT,
// where decide() keeps it while the hold lasts. While hooks run, only the flag changes; the
// plan's end or decide() act on it. A stopped module keeps the hold for its next start.
MirrorStateMachine::Outcome MirrorStateMachine::wait_on(const CommandEvent& command) {
  const std::string rule = command.identity.empty() ? std::string("wait") : command.identity;
  const std::string m = module_label();
  if (state_ == S::stop) return {true, "module " + m + " is stopped: rule " + rule + " has nothing to hold"};
  const bool already = !held_by_.empty();
  held_by_ = rule;
  if (already) return {true, "module " + m + " is held in WAIT by rule " + rule};
  if (!pending_hook_ && plan_.empty()) {
    if (is_role(state_)) {
      plan_stop(true, "stopwait", "rule " + rule + " asked to wait");
      plan_.push_back(StartAgainStep{});
    } else if (state_ == S::wait && activity_ != Activity::waiting_peer) {
      plan_.push_back(DecideStep{});
    }
  }
  return {true, "module " + m + " waits: rule " + rule + " holds it in WAIT until what it watches is back"};
}

MirrorStateMachine::Outcome MirrorStateMachine::wait_off(const CommandEvent& command) {
  const std::string m = module_label();
  if (held_by_.empty()) return {true, "module " + m + " was not held by a rule"};
  const std::string rule = held_by_;
  held_by_.clear();
  if (state_ == S::wait && !pending_hook_ && plan_.empty() && activity_ == Activity::idle)
    plan_.push_back(DecideStep{});
  (void)command;
  return {true, "module " + m + ": rule " + rule + " no longer holds it; it goes on"};
}

// --- plans -----------------------------------------------------------------------------

void MirrorStateMachine::plan_start(const std::string& action) {
  plan_.push_back(ActivityStep{Activity::starting});
  plan_.push_back(StateStep{S::wait, SubState::transient, "starting: transition, prestart"});
  push_hooks_of(S::stop, S::wait, action, false, "STOP", "WAIT");
  plan_.push_back(DecideStep{});
  action_ = action;
}

void MirrorStateMachine::plan_stop(bool graceful, const std::string& action, const std::string& reason) {
  const ModuleState from = state_;
  ModuleState left = is_role(from) ? from : S::stop;
  if (activity_ == Activity::entering_role || activity_ == Activity::leaving_role ||
      activity_ == Activity::stopping)
    left = role_;
  const bool entering = !is_role(from) && activity_ == Activity::entering_role;
  plan_.clear();
  action_ = action;
  want_second_ = hold_for_prim_ = swapping_ = prim_asked_ = expecting_second_ = false;
  plan_.push_back(ActivityStep{Activity::stopping, left});
  plan_.push_back(StateStep{S::wait, SubState::transient, "stopping: " + reason});
  if (graceful && is_role(from)) {
    push_hooks_of(from, S::wait, action, false, to_string(from), "WAIT");
  } else if (graceful && entering) {
    // Its start hooks had begun: stop what they may have started before the forced pass.
    push_hooks_of(left, S::wait, action, true, "WAIT", "STOP");
  }
  plan_.push_back(ActivityStep{Activity::force_stopping, left});
  push_hooks_of(S::wait, S::stop, action, false, "WAIT", "STOP");
  if (is_role(left)) plan_.push_back(KnowledgeStep{KnowledgeChange::record_role_left, role_of(left)});
  plan_.push_back(StateStep{S::stop, SubState::not_ready, reason});
  plan_.push_back(ActivityStep{Activity::idle});
}

void MirrorStateMachine::plan_enter_role(ModuleState role) {
  want_second_ = hold_for_prim_ = swapping_ = prim_asked_ = false;
  plan_.push_back(ActivityStep{Activity::entering_role, role});
  // Saved before the start hooks: from start_prim on, this node may write as primary; from
  // start_second on, the resynchronisation overwrites its copy.
  if (role_of(role) == Role::prim) plan_.push_back(KnowledgeStep{KnowledgeChange::promote});
  if (role == S::second) plan_.push_back(KnowledgeStep{KnowledgeChange::become_second});
  plan_.push_back(StateStep{S::wait, SubState::transient, std::string("becoming ") + to_string(role)});
  push_hooks_of(S::wait, role, action_, false, "WAIT", to_string(role));
  const std::string peer = peer_ ? peer_->node : "";
  if (role == S::alone) {
    plan_.push_back(StateStep{role, SubState::ready,
                              peer_ && peer_->reachable && peer_->state != S::stop
                                  ? "primary, data up to date; peer " + peer + " is " + to_string(peer_->state)
                                  : "primary without secondary: no peer reachable, data up to date"});
  } else if (role == S::second) {
    plan_.push_back(StateStep{role, SubState::transient, "secondary of " + peer + ", not yet in sync"});
  } else {
    expecting_second_ = true;
    plan_.push_back(StateStep{role, SubState::ready, "primary; peer " + peer + " is to become its secondary"});
  }
  plan_.push_back(ActivityStep{Activity::idle});
}

// A settled role moves to another one (ALONE⇄PRIM, SECOND→ALONE, SECOND→PRIM) with the
// seed's hooks; a promotion is saved just before start_prim.
void MirrorStateMachine::plan_role_change(ModuleState from, ModuleState to, const std::string& reason,
                                          bool promote) {
  expecting_second_ = false;
  plan_.push_back(ActivityStep{Activity::entering_role, to});
  plan_.push_back(StateStep{from, SubState::transient, reason});
  bool promoted = false;
  for (const auto& spec : hooks_of(from, to)) {
    if (promote && !promoted && std::string_view(spec.hook) == "start_prim") {
      plan_.push_back(KnowledgeStep{KnowledgeChange::promote});
      promoted = true;
    }
    plan_.push_back(HookStep{spec.hook, {to_string(from), to_string(to), "start"}, spec.phase});
  }
  if (promote && !promoted) plan_.push_back(KnowledgeStep{KnowledgeChange::promote});
  plan_.push_back(StateStep{to, SubState::ready, reason});
  plan_.push_back(ActivityStep{Activity::idle});
}

// PRIM→SECOND: the primary's stop hooks (graceful, then force) end before this node shows
// SECOND; only then does the peer, seeing two SECONDs, start as primary.
void MirrorStateMachine::plan_swap_to_second(const std::string& reason) {
  swapping_ = true;
  const std::string peer = peer_ ? peer_->node : "the peer";
  plan_.push_back(ActivityStep{Activity::entering_role, S::second});
  plan_.push_back(StateStep{S::prim, SubState::transient, "swap: stopping the primary (" + reason + ")"});
  plan_.push_back(HookStep{"stop_prim", {"PRIM", "SECOND", "stop"}, P::graceful_stop});
  plan_.push_back(HookStep{"stop_prim", {"force", "PRIM", "SECOND", "stop"}, P::force_stop});
  plan_.push_back(KnowledgeStep{KnowledgeChange::record_role_left, Role::second});
  plan_.push_back(StateStep{S::second, SubState::transient, "swap: primary stopped, " + peer + " becomes primary"});
  for (const auto& spec : hooks_of(S::prim, S::second)) {
    if (std::string_view(spec.hook) == "stop_prim") continue;
    plan_.push_back(HookStep{spec.hook, {"PRIM", "SECOND", "start"}, spec.phase});
  }
  plan_.push_back(StateStep{S::second, SubState::ready, "secondary of " + peer + " after a swap, in sync"});
  plan_.push_back(ActivityStep{Activity::idle});
}

// SECOND lost its primary and may not take over: stop the secondary's hooks and wait.
void MirrorStateMachine::plan_leave_to_wait(const std::string& reason) {
  swapping_ = false;
  // Not `stopping`: a stop asked meanwhile must still take the module to STOP.
  plan_.push_back(ActivityStep{Activity::leaving_role, S::second});
  plan_.push_back(StateStep{S::wait, SubState::transient, "leaving SECOND: " + reason});
  // No WAIT→STOP follows to run the forced pass, so it runs here, before transition: the
  // secondary's processes are surely gone before `prim` may start the primary's.
  const auto& stops = hooks_of(S::second, S::wait);
  for (const auto& spec : stops)
    if (std::string_view(spec.hook) != "transition")
      plan_.push_back(HookStep{spec.hook, {"SECOND", "WAIT", "stopwait"}, P::graceful_stop});
  for (const auto& spec : stops)
    if (std::string_view(spec.hook) != "transition")
      plan_.push_back(HookStep{spec.hook, {"force", "SECOND", "WAIT", "stopwait"}, P::force_stop});
  plan_.push_back(HookStep{"transition", {"SECOND", "WAIT", "stopwait"}, P::graceful_stop});
  plan_.push_back(ActivityStep{Activity::idle});
  plan_.push_back(ReportStep{LogLevel::warning, "module " + module_label() + " waits in WAIT: " + reason});
  plan_.push_back(StateStep{S::wait, SubState::not_ready, reason});
}

// Lost a split brain: say so loudly, hand the replication layer what to keep aside, mark the
// copy stale (it is behind the winner's), and come back as SECOND through STOP.
void MirrorStateMachine::plan_split_brain_loss(std::vector<Action>& out) {
  const PeerView& p = *peer_;
  const std::string why = "split brain healed: both nodes were primary; node " + p.node + " stays primary (generation " +
                          std::to_string(p.knowledge.generation) + ", this node " +
                          std::to_string(knowledge_.generation) + ")";
  out.push_back(Report{LogLevel::error, "module " + module_label() + ": " + why +
                                            ". This node restarts as SECOND; the writes it made while alone are kept "
                                            "aside, not merged: compare them with the primary's data"});
  keep_aside_label_ = settings_.local_node;
  out.push_back(Report{LogLevel::error, std::string(kKeepAsidePrefix) + settings_.local_node + ": module " +
                                            module_label() + ", generation " + std::to_string(knowledge_.generation) +
                                            ", superseded by node " + p.node + " generation " +
                                            std::to_string(p.knowledge.generation)});
  plan_stop(true, "stopstart", why);
  plan_.push_front(KnowledgeStep{KnowledgeChange::mark_stale});
  plan_.push_back(StartAgainStep{});
}

void MirrorStateMachine::plan_restart() {
  const ModuleState role = state_;
  const std::string name = to_string(role);
  plan_.push_back(ActivityStep{Activity::restarting, role});
  plan_.push_back(StateStep{role, SubState::transient, "restart: application hooks stop, then start again"});
  for (const auto& spec : hooks_of(role, S::wait)) {
    if (std::string_view(spec.hook) == "transition") continue;
    plan_.push_back(HookStep{spec.hook, {name, name, "stop"}, P::graceful_stop});
  }
  for (const auto& spec : hooks_of(role, S::wait)) {
    if (std::string_view(spec.hook) == "transition") continue;
    plan_.push_back(HookStep{spec.hook, {"force", name, name, "stop"}, P::force_stop});
  }
  for (const auto& spec : hooks_of(S::wait, role)) {
    if (std::string_view(spec.hook) == "transition") continue;
    plan_.push_back(HookStep{spec.hook, {name, name, "start"}, P::start});
  }
  plan_.push_back(StateStep{role, SubState::ready, "restarted"});
  plan_.push_back(ActivityStep{Activity::idle});
}

void MirrorStateMachine::push_hooks_of(ModuleState from, ModuleState to, const std::string& action,
                                       bool skip_transition, const std::string& arg_from,
                                       const std::string& arg_to) {
  for (const auto& spec : hooks_of(from, to)) {
    if (skip_transition && std::string_view(spec.hook) == "transition") continue;
    HookStep step{spec.hook, {}, spec.phase};
    if (spec.force) step.args.push_back("force");
    step.args.insert(step.args.end(), {arg_from, arg_to, action});
    plan_.push_back(std::move(step));
  }
}

// Where WAIT leads once prestart has run and the peer is known.
void MirrorStateMachine::decide(std::vector<Action>& out) {
  if (!held_by_.empty()) {
    hold(out, "rule " + held_by_ + " holds the module in WAIT (what it watches is down); it goes on by itself "
              "once that is back");
    return;
  }
  if (!peer_) {
    activity_ = Activity::waiting_peer;
    enter(out, S::wait, SubState::transient, "waiting for news of the peer");
    return;
  }
  activity_ = Activity::idle;
  // A stopped peer counts as absent, as in the seed product.
  if (peer_->reachable && peer_->state != S::stop) {
    decide_with_peer(out, *peer_);
    return;
  }
  const std::string m = module_label();
  if (want_second_) {
    hold(out, "started as secondary ('haven second'): waiting for the peer to be reachable and primary");
  } else if (hold_for_prim_) {
    hold(out, "Failover-off configured: the primary was lost and this node does not take over by itself; run "
              "'haven prim -m " + m + "' here to make it primary");
  } else if (!knowledge_.data_uptodate) {
    hold(out, "Data may not be up to date: run 'haven prim -m " + m +
                  "' on the node whose data is good (rule notuptodate_server)");
  } else {
    plan_enter_role(S::alone);
  }
}

// The pair's start rules. Both sides rank the same two knowledges the same way, so at most
// one of them chooses primary; a node that chooses saves its new generation first, which the
// other then sees and ranks below.
void MirrorStateMachine::decide_with_peer(std::vector<Action>& out, const PeerView& p) {
  const std::string m = module_label();
  if (is_primary(p.state)) {
    plan_enter_role(S::second);
    return;
  }
  if (p.state == S::second) {
    // A SECOND without its primary is reacting (failover, or WAIT): becoming primary now could
    // make two primaries. Decide once it has moved.
    hold(out, "peer " + p.node + " is SECOND and has lost its primary: waiting for it to take over or to wait");
    return;
  }
  if (peer_may_be_committing()) {
    hold(out, "peer " + p.node + " is WAIT (Transient) with up-to-date data: it may be becoming primary; "
              "this node decides once the peer has settled");
    return;
  }
  if (want_second_) {
    hold(out, "started as secondary ('haven second'): waiting for peer " + p.node + " to become primary");
  } else if (!knowledge_.data_uptodate && !p.knowledge.data_uptodate) {
    hold(out, "Data may not be up to date on either node: run 'haven prim -m " + m +
                  "' on the node whose data is good (rule notuptodate_server)");
  } else if (!knowledge_.data_uptodate) {
    hold(out, "Data may not be up to date: waiting for peer " + p.node +
                  ", whose data is up to date, to become primary (rule notuptodate_server)");
  } else if (hold_for_prim_) {
    hold(out, "Failover-off configured: only 'haven prim -m " + m + "' makes this node primary");
  } else if (prim_asked_ || !p.knowledge.data_uptodate || local_outranks(p)) {
    // The peer is in WAIT and will be our secondary: the seed's WAIT→PRIM (no start_sec).
    plan_enter_role(S::prim);
  } else {
    hold(out, "peer " + p.node + " has the newer claim to be primary (generation " +
                  std::to_string(p.knowledge.generation) + ", this node " + std::to_string(knowledge_.generation) +
                  "): waiting for it to become primary");
  }
}

// Who stays primary when both could: the newer generation, then the node that was primary
// last, then defaultprim, then the smaller node name (any rule both sides compute alike).
bool MirrorStateMachine::local_outranks(const PeerView& p) const {
  const NodeKnowledge& mine = knowledge_;
  const NodeKnowledge& theirs = p.knowledge;
  if (mine.data_uptodate != theirs.data_uptodate) return mine.data_uptodate;
  if (mine.generation != theirs.generation) return mine.generation > theirs.generation;
  if ((mine.last_role == Role::prim) != (theirs.last_role == Role::prim)) return mine.last_role == Role::prim;
  if (settings_.defaultprim == settings_.local_node) return true;
  if (settings_.defaultprim == p.node) return false;
  return settings_.local_node < p.node;
}

// A peer in WAIT (Transient) runs hooks: with up-to-date data it may have chosen to be primary
// and be running its start hooks. (Settled in WAIT, NotReady, it has chosen nothing.)
bool MirrorStateMachine::peer_may_be_committing() const {
  return peer_ && peer_->reachable && peer_->state == S::wait && peer_->sub == SubState::transient &&
         peer_->knowledge.data_uptodate;
}

// prim and primforce may not race a peer that is, or may be about to be, primary.
std::optional<std::string> MirrorStateMachine::peer_blocks_prim() const {
  if (!peer_ || !peer_->reachable) return std::nullopt;
  if (is_primary(peer_->state))
    return "peer " + peer_->node + " is already primary (" + to_string(peer_->state) +
           "); this node becomes its secondary with 'haven start -m {m}'; to exchange the roles later run "
           "'haven swap -m {m}' on " + peer_->node;
  if (peer_may_be_committing())
    return "peer " + peer_->node + " is WAIT (Transient) with up-to-date data and may be becoming primary; "
           "wait until it has settled ('haven state -m {m}' on " + peer_->node +
           "): if it becomes primary, start this node as its secondary; to prevent it, stop it first "
           "('haven stop -m {m}' on " + peer_->node + ")";
  return std::nullopt;
}

bool MirrorStateMachine::peer_is_primary() const {
  return peer_ && peer_->reachable && is_primary(peer_->state);
}

void MirrorStateMachine::hold(std::vector<Action>& out, const std::string& why) {
  activity_ = Activity::idle;
  if (state_ == S::wait && sub_ == SubState::not_ready && reason_ == why) return;
  out.push_back(Report{LogLevel::warning, "module " + module_label() + " waits in WAIT: " + why});
  enter(out, S::wait, SubState::not_ready, why);
}

// A settled role reacts to the peer's state: the seed's ALONE⇄PRIM, failover, swap, and
// split brain healed.
void MirrorStateMachine::react_to_peer(std::vector<Action>& out) {
  const bool reachable = peer_ && peer_->reachable;
  const ModuleState ps = reachable ? peer_->state : S::stop;
  const std::string peer = peer_ ? peer_->node : "the peer";
  const bool peer_gone = !reachable || ps == S::stop || ps == S::wait || ps == S::up;
  const std::string gone_why = !reachable ? "peer " + peer + " lost (no heartbeat)"
                                          : "peer " + peer + " is " + to_string(ps) + " (remote stop)";
  if (reachable && is_primary(ps) && is_primary(state_)) {
    if (local_outranks(*peer_)) {
      if (state_ == S::prim) {
        plan_role_change(S::prim, S::alone, "split brain: peer " + peer + " is primary too", false);
      } else {
        out.push_back(Report{LogLevel::error, "module " + module_label() + ": split brain healed: node " + peer +
                                                  " was primary too; this node stays primary (generation " +
                                                  std::to_string(knowledge_.generation) + ", peer " +
                                                  std::to_string(peer_->knowledge.generation) + "), and " + peer +
                                                  " restarts as SECOND with its writes kept aside"});
      }
    } else {
      plan_split_brain_loss(out);
    }
    return;
  }
  switch (state_) {
    case S::alone:
      if (reachable && ps == S::second)
        plan_role_change(S::alone, S::prim, "peer " + peer + " is SECOND: primary with secondary", false);
      return;
    case S::prim:
      if (reachable && ps == S::second) expecting_second_ = false;
      // Entered from WAIT beside a waiting peer: that peer becomes SECOND once it sees us
      // primary, or stops; until then its WAIT is not a loss.
      if (expecting_second_ && reachable && ps == S::wait) return;
      if (peer_gone) {
        expecting_second_ = false;
        plan_role_change(S::prim, S::alone, gone_why + ": primary without secondary", false);
      } else if (ps == S::second && sub_ == SubState::ready && settings_.defaultprim == peer &&
                 peer_->knowledge.data_uptodate) {
        out.push_back(Report{LogLevel::info, "module " + module_label() + ": Transition SWAP from defaultprim: " +
                                                 peer + " is in sync and is the default primary"});
        plan_swap_to_second("defaultprim=" + peer);
      }
      return;
    case S::second:
      if (reachable && ps == S::second) {
        if (swapping_) return;  // the peer takes over; we stay SECOND
        if (knowledge_.data_uptodate) {
          plan_role_change(S::second, S::prim, "swap: peer " + peer + " stopped as primary", true);
        } else {
          plan_leave_to_wait("peer " + peer + " left PRIM while this node was not yet in sync");
        }
        return;
      }
      if (reachable && is_primary(ps)) {
        swapping_ = false;
        // In sync with it (a swap's SECOND is, without a new marker): its generation is ours,
        // so that our takeover outranks it if it is later seen as primary again.
        if (sub_ == SubState::ready && knowledge_.data_uptodate && peer_->knowledge.generation > knowledge_.generation) {
          knowledge_.generation = peer_->knowledge.generation;
          knowledge_.last_role = Role::second;
          save_knowledge(out);
        }
        return;
      }
      if (!peer_gone) return;
      // A primary that is stopping runs its stop hooks in WAIT (Transient): take over only
      // once they are done (it shows STOP, or settles), so that stop_prim there ends before
      // start_prim here, as in the seed product's planned failover.
      if (reachable && ps == S::wait && peer_->sub == SubState::transient) return;
      if (!settings_.failover) {
        hold_for_prim_ = true;
        plan_leave_to_wait("Failover-off configured: " + gone_why + "; run 'haven prim -m " + module_label() +
                           "' here to make this node primary");
      } else if (!knowledge_.data_uptodate) {
        plan_leave_to_wait("Data may not be up to date: " + gone_why +
                           " while this node was not yet in sync; start the peer, or run 'haven primforce -m " +
                           module_label() + "' if its data is lost");
      } else {
        out.push_back(Report{LogLevel::warning, "module " + module_label() + ": Action alone called by heart: " +
                                                    gone_why});
        plan_role_change(S::second, S::alone, "failover: " + gone_why, true);
      }
      return;
    default: return;
  }
}

// A primary elsewhere while this node is neither primary nor its secondary: our copy falls
// behind. (While this node is committed to a role, the role's own rules decide.)
void MirrorStateMachine::note_falling_behind(std::vector<Action>& out) {
  if (peer_is_primary() && !is_primary(state_) && !(state_ == S::second && knowledge_.data_uptodate))
    peer_wrote_without_us_ = true;
  const bool committed = activity_ == Activity::entering_role || activity_ == Activity::restarting;
  if (!peer_wrote_without_us_ || !knowledge_.data_uptodate || committed) return;
  if (state_ != S::stop && state_ != S::wait) return;
  peer_wrote_without_us_ = false;
  knowledge_.data_uptodate = false;
  save_knowledge(out);
  out.push_back(Report{LogLevel::info, "module " + module_label() + ": peer " + peer_->node + " is " +
                                           to_string(peer_->state) +
                                           " without this node as its secondary: this node's data is now behind"});
}

void MirrorStateMachine::on_in_sync(std::vector<Action>& out) {
  if (state_ != S::second || !peer_is_primary()) {
    out.push_back(Report{LogLevel::warning, "module " + module_label() + ": the replication layer reported in sync "
                                                "while this node is " + to_string(state_) +
                                                " without a reachable primary; ignored"});
    return;
  }
  peer_wrote_without_us_ = false;
  // The primary's generation is taken even by a copy that stayed up to date (a reconnection):
  // otherwise its next takeover would only tie with the old primary's generation, and a split
  // brain healed by generation could go the old primary's way.
  const auto generation = std::max(knowledge_.generation, peer_->knowledge.generation);
  if (!knowledge_.data_uptodate || generation != knowledge_.generation) {
    const bool was_behind = !knowledge_.data_uptodate;
    knowledge_.data_uptodate = true;
    knowledge_.last_role = Role::second;
    knowledge_.generation = generation;
    save_knowledge(out);
    if (was_behind) out.push_back(Report{LogLevel::info, "module " + module_label() + ": in sync with primary " + peer_->node});
  }
  if (settled() && sub_ != SubState::ready)
    enter(out, S::second, SubState::ready, "secondary of " + peer_->node + ", in sync");
}

void MirrorStateMachine::on_behind(std::vector<Action>& out) {
  if (state_ != S::second || !knowledge_.data_uptodate) return;
  knowledge_.data_uptodate = false;
  save_knowledge(out);
  out.push_back(Report{LogLevel::warning, "module " + module_label() + ": the replication stream from the primary "
                                              "ended while it goes on: this node is not up to date until reintegrated"});
  if (settled()) enter(out, S::second, SubState::transient, "secondary, not in sync (replication stream ended)");
}

void MirrorStateMachine::run_plan(std::vector<Action>& out) {
  const bool had_work = !plan_.empty();
  while (!plan_.empty() && !pending_hook_) {
    Step step = std::move(plan_.front());
    plan_.pop_front();
    std::visit(Overloaded{
                   [&](HookStep& h) {
                     RunHook run = with_host_steps(RunHook{h.hook, h.args, h.phase, {}, {}, {}}, keep_aside_label_);
                     if (!settings_.hooks_enabled) {
                       // No script runs, the host's work around it still does.
                       if (auto steps = steps_without_hook(run); !steps.empty()) out.push_back(CarryOut{std::move(steps)});
                       if (h.hook == "start_second") keep_aside_label_.clear();
                       return;
                     }
                     out.push_back(std::move(run));
                     pending_hook_ = std::move(h);
                   },
                   [&](StateStep& s) {
                     // A secondary is Ready only once in sync, whatever hooks just ran.
                     if (s.state == S::second && s.sub == SubState::ready && !knowledge_.data_uptodate)
                       enter(out, s.state, SubState::transient, s.reason + "; not yet in sync");
                     else
                       enter(out, s.state, s.sub, std::move(s.reason));
                   },
                   [&](KnowledgeStep& k) {
                     switch (k.change) {
                       case KnowledgeChange::mark_uptodate: knowledge_.data_uptodate = true; break;
                       case KnowledgeChange::promote:
                         knowledge_.generation += 1;
                         knowledge_.last_role = Role::prim;
                         break;
                       case KnowledgeChange::record_role_left: knowledge_.last_role = k.role; break;
                       case KnowledgeChange::become_second:
                         knowledge_.data_uptodate = false;
                         knowledge_.last_role = Role::second;
                         break;
                       case KnowledgeChange::mark_stale: knowledge_.data_uptodate = false; break;
                     }
                     save_knowledge(out);
                   },
                   [&](ActivityStep& a) {
                     activity_ = a.activity;
                     role_ = a.role;
                   },
                   [&](ReportStep& r) { out.push_back(Report{r.level, std::move(r.message)}); },
                   [&](DecideStep&) { decide(out); },
                   [&](StartAgainStep& again) { plan_start(again.action.empty() ? action_ : again.action); },
               },
               step);
  }
  // News of the peer that arrived while the plan ran counts now.
  if (!had_work || !settled()) return;
  note_falling_behind(out);
  if (is_role(state_) && !held_by_.empty()) {
    plan_stop(true, "stopwait", "rule " + held_by_ + " asked to wait");
    plan_.push_back(StartAgainStep{});
  } else if (is_role(state_)) {
    react_to_peer(out);
  } else if (state_ == S::wait && activity_ == Activity::idle && peer_ && peer_->reachable) {
    decide(out);
  }
  if (!plan_.empty()) run_plan(out);
}

std::vector<Action> MirrorStateMachine::on_hook_finished(const HookFinished& finished) {
  std::vector<Action> out;
  if (!pending_hook_ || pending_hook_->hook != finished.hook) {
    out.push_back(Report{LogLevel::warning,
                         "module " + module_label() + ": hook " + finished.hook + " reported finished while " +
                             (pending_hook_ ? "hook " + pending_hook_->hook + " is running" : "no hook is running") +
                             "; ignored"});
    return out;
  }
  const HookStep done = std::move(*pending_hook_);
  pending_hook_.reset();
  if (done.hook == "start_second" && finished.ok) keep_aside_label_.clear();  // kept: not again at the next start
  const std::string call = done.hook + " " + join_words(done.args);
  if (deferred_stop_) {
    const bool graceful = *deferred_stop_ == Command::stop;
    deferred_stop_.reset();
    if (!finished.ok)
      out.push_back(Report{LogLevel::warning, "hook " + call + " of module " + module_label() + " " +
                                                  describe_failure(finished) + "; the module stops as asked"});
    plan_stop(graceful, "stop", graceful ? "stopped by the administrator" : "force-stopped by the administrator");
  } else if (!finished.ok && done.phase == P::start) {
    // The hook's arguments say which move failed: <from> <to> <action>.
    const std::string to = done.args.size() >= 2 ? done.args[done.args.size() - 2] : to_string(state_);
    const bool primary_lost = is_primary(role_of_name(to)) || is_primary(state_);
    out.push_back(Report{LogLevel::error,
                         "hook " + call + " of module " + module_label() + " " + describe_failure(finished) +
                             ". This node gives up entering " + to +
                             ": its stop hooks run (graceful, then force), then poststop, and the module goes to "
                             "STOP" +
                             (primary_lost && peer_ && peer_->reachable
                                  ? "; peer " + peer_->node + " takes over if its data is up to date"
                                  : "") +
                             ". Fix the hook, then run 'haven start -m " + module_label() + "'"});
    plan_stop(true, "stop", "stopped because hook " + done.hook + " failed");
  } else if (!finished.ok) {
    out.push_back(Report{LogLevel::warning, "hook " + call + " of module " + module_label() + " " +
                                                describe_failure(finished) + "; the stop goes on"});
  }
  run_plan(out);
  return out;
}

std::vector<Action> MirrorStateMachine::on_peer_update(const PeerView& peer) {
  std::vector<Action> out;
  peer_ = peer;
  note_falling_behind(out);
  if (!settled()) return out;  // the running plan ends first, then the latest news counts
  if (state_ == S::wait && (activity_ == Activity::waiting_peer || activity_ == Activity::idle)) {
    decide(out);
  } else if (is_role(state_)) {
    react_to_peer(out);
  }
  run_plan(out);
  return out;
}

std::vector<Action> MirrorStateMachine::on_replication_news(const ReplicationNews& news) {
  std::vector<Action> out;
  if (news.kind == ReplicationNews::Kind::in_sync) on_in_sync(out);
  else on_behind(out);
  return out;
}

std::vector<RunHook> MirrorStateMachine::crash_cleanup(const ServiceSettings& settings, std::optional<ModuleState> died_in) const {
  if (!settings.hooks_enabled || died_in == ModuleState::stop) return {};
  return crash_cleanup_hooks(died_in ? to_string(*died_in) : "UNKNOWN");
}

std::vector<Action> MirrorStateMachine::on_timer(const TimerFired& timer) {
  return {Report{LogLevel::debug, "module " + module_label() + ": timer " + timer.name + " is not used; ignored"}};
}

void MirrorStateMachine::enter(std::vector<Action>& out, ModuleState state, SubState sub, std::string reason) {
  if (is_primary(state)) peer_wrote_without_us_ = false;  // from now on the split-brain rule decides
  else if (peer_is_primary() && !(state == S::second && knowledge_.data_uptodate)) peer_wrote_without_us_ = true;
  // A hold ends with the module, unless this STOP is the middle of the hold's own stopstart.
  const bool starting_again = std::any_of(plan_.begin(), plan_.end(),
                                          [](const Step& s) { return std::holds_alternative<StartAgainStep>(s); });
  if (state == S::stop && !starting_again) held_by_.clear();
  state_ = state;
  sub_ = sub;
  reason_ = reason;
  out.push_back(EnterState{state, sub, std::move(reason)});
}

std::string MirrorStateMachine::module_label() const {
  return settings_.module.empty() ? "(unnamed)" : settings_.module;
}

}  // namespace haven::mirror
