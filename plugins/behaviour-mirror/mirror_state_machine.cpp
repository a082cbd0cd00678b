#include "mirror_state_machine.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace haven::mirror {
namespace {

using S = ModuleState;
using P = HookPhase;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

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

Role role_of(ModuleState s) {
  if (s == S::alone || s == S::prim) return Role::prim;
  if (s == S::second) return Role::second;
  return Role::none;
}

std::string describe_failure(const HookFinished& f) {
  std::string what = f.timed_out        ? "timed out and was killed"
                     : f.exit_code < 0  ? "could not run"
                                        : "exited with code " + std::to_string(f.exit_code);
  if (!f.detail.empty()) what += " (" + f.detail + ")";
  return what;
}

std::string join_args(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
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
      CommandRule{S::prim, C::second, &M::second, nullptr},  // TODO(issue 3): PRIM→SECOND is a swap
      CommandRule{S::prim, C::restart, &M::restart, nullptr},
      CommandRule{S::prim, C::stopstart, &M::stopstart, nullptr},  // TODO(issue 3): the peer fails over
      CommandRule{S::prim, C::swap, &M::swap, nullptr},            // TODO(issue 3): PRIM→SECOND
      // SECOND: secondary of a primary (reached with issue 3)
      CommandRule{S::second, C::start, nullptr, "it is already running as secondary (SECOND)"},
      CommandRule{S::second, C::stop, &M::stop, nullptr},
      CommandRule{S::second, C::forcestop, &M::forcestop, nullptr},
      CommandRule{S::second, C::prim, nullptr,
                  "the peer is primary; use 'haven swap -m {m}' to exchange the roles"},
      CommandRule{S::second, C::primforce, nullptr,
                  "the peer is primary; use 'haven swap -m {m}'"},  // TODO(issue 3): SECOND→PRIM
      CommandRule{S::second, C::second, nullptr, "it is already secondary (SECOND)"},
      CommandRule{S::second, C::restart, &M::restart, nullptr},
      CommandRule{S::second, C::stopstart, &M::stopstart, nullptr},
      CommandRule{S::second, C::swap, &M::swap, nullptr},  // TODO(issue 3): SECOND→PRIM
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
  std::vector<Action> out;
  out.push_back(Report{LogLevel::info, "module " + module_label() + ": data " +
                                           (known.data_uptodate ? "up to date" : "not known to be up to date") +
                                           ", last role " + to_string(known.last_role) + ", generation " +
                                           std::to_string(known.generation)});
  enter(out, S::stop, SubState::not_ready, "stopped");
  return out;
}

std::vector<Action> MirrorStateMachine::handle(const Event& event, TimePoint now) {
  return std::visit(Overloaded{
                        [&](const CommandEvent& e) { return on_command(e, now); },
                        [&](const HookFinished& e) { return on_hook_finished(e); },
                        [&](const PeerUpdate& e) { return on_peer_update(e); },
                        [&](const TimerFired& e) { return on_timer(e); },
                    },
                    event);
}

std::vector<Action> MirrorStateMachine::on_command(const CommandEvent& command, TimePoint now) {
  std::vector<Action> out;
  if (command.identity.empty()) {
    loop_.reset();
  } else if (loop_.record(now)) {
    std::string message = "Action stop called by maxloop: " + std::string(to_string(command.command)) + " -i " +
                          command.identity + " is detector action number " + std::to_string(loop_.count()) +
                          " within loop_interval (" + std::to_string(loop_.interval().count()) +
                          " ms), more than maxloop=" + std::to_string(loop_.maxloop()) + ". Module " +
                          module_label() + " is stopped; find why the detector keeps acting, then run 'haven start -m " +
                          module_label() + "'";
    out.push_back(Report{LogLevel::error, message});
    if (state_ != S::stop) (void)dispatch(CommandEvent{Command::stop, false, ""});
    out.push_back(CommandReply{command.command, false, message});
    run_plan(out);
    return out;
  }
  Outcome outcome = dispatch(command);
  out.push_back(CommandReply{command.command, outcome.accepted, outcome.message});
  run_plan(out);
  return out;
}

MirrorStateMachine::Outcome MirrorStateMachine::dispatch(const CommandEvent& command) {
  if (pending_hook_) return while_busy(command);
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

MirrorStateMachine::Outcome MirrorStateMachine::prim_from_stop(const CommandEvent& command) {
  plan_.push_back(KnowledgeStep{KnowledgeChange::mark_uptodate});
  plan_.push_back(ReportStep{LogLevel::info, "the administrator declared this node's data of module " +
                                                 module_label() + " up to date (" +
                                                 to_string(command.command) + ")"});
  plan_start("start");
  return {true, "starting module " + module_label() + " as primary"};
}

MirrorStateMachine::Outcome MirrorStateMachine::prim_in_wait(const CommandEvent& command) {
  plan_.push_back(KnowledgeStep{KnowledgeChange::mark_uptodate});
  plan_.push_back(ReportStep{LogLevel::info, "the administrator declared this node's data of module " +
                                                 module_label() + " up to date (" +
                                                 to_string(command.command) + ")"});
  if (activity_ != Activity::waiting_peer) plan_.push_back(DecideStep{});
  return {true, "module " + module_label() + " becomes primary"};
}

MirrorStateMachine::Outcome MirrorStateMachine::second(const CommandEvent& command) {
  if (!peer_ || !peer_->reachable)
    return refuse(command.command,
                  "a secondary copies its data from a reachable primary, and no peer is reachable; "
                  "check the heartbeat networks, or run 'haven prim -m {m}' on the node whose data is good");
  // TODO(issue 3): STOP/WAIT→SECOND with a reachable peer, PRIM→SECOND (swap).
  return refuse(command.command, "becoming secondary of node " + peer_->node + " is not supported yet");
}

MirrorStateMachine::Outcome MirrorStateMachine::stop(const CommandEvent&) {
  plan_stop(true, "stop", "stopped by the administrator");
  return {true, "stopping module " + module_label()};
}

MirrorStateMachine::Outcome MirrorStateMachine::forcestop(const CommandEvent&) {
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
  // TODO(issue 3): PRIM→SECOND here after the peer's SECOND→PRIM, never two primaries.
  return refuse(command.command, "swapping with node " + peer_->node + " is not supported yet");
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
  if (activity_ == Activity::entering_role || activity_ == Activity::stopping) left = role_;
  const bool entering = !is_role(from) && activity_ == Activity::entering_role;
  plan_.clear();
  action_ = action;
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
  plan_.push_back(ActivityStep{Activity::entering_role, role});
  // Saved before the start hooks: from start_prim on, this node may write as primary.
  if (role_of(role) == Role::prim) plan_.push_back(KnowledgeStep{KnowledgeChange::promote});
  plan_.push_back(StateStep{S::wait, SubState::transient, std::string("becoming ") + to_string(role)});
  push_hooks_of(S::wait, role, action_, false, "WAIT", to_string(role));
  std::string reason = role == S::alone ? "primary without secondary: no peer reachable, data up to date"
                                        : std::string("entered ") + to_string(role);
  plan_.push_back(StateStep{role, SubState::ready, reason});
  plan_.push_back(ActivityStep{Activity::idle});
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
  if (!peer_) {
    activity_ = Activity::waiting_peer;
    enter(out, S::wait, SubState::transient, "waiting for news of the peer");
    return;
  }
  activity_ = Activity::idle;
  if (peer_->reachable) {
    // TODO(issue 3): PRIM or SECOND with the peer, by the start rules and defaultprim.
    std::string why = "peer " + peer_->node + " is reachable, and starting as a pair is not supported yet";
    out.push_back(Report{LogLevel::warning, "module " + module_label() + " waits: " + why});
    enter(out, S::wait, SubState::not_ready, why);
    return;
  }
  if (!knowledge_.data_uptodate) {
    std::string why = "Data may not be up to date: run 'haven prim -m " + module_label() +
                      "' on the node whose data is good (rule notuptodate_server)";
    out.push_back(Report{LogLevel::warning, "module " + module_label() + " waits in WAIT: " + why});
    enter(out, S::wait, SubState::not_ready, why);
    return;
  }
  plan_enter_role(S::alone);
}

void MirrorStateMachine::run_plan(std::vector<Action>& out) {
  while (!plan_.empty() && !pending_hook_) {
    Step step = std::move(plan_.front());
    plan_.pop_front();
    std::visit(Overloaded{
                   [&](HookStep& h) {
                     if (!settings_.hooks_enabled) return;
                     out.push_back(RunHook{h.hook, h.args, h.phase});
                     pending_hook_ = std::move(h);
                   },
                   [&](StateStep& s) { enter(out, s.state, s.sub, std::move(s.reason)); },
                   [&](KnowledgeStep& k) {
                     switch (k.change) {
                       case KnowledgeChange::mark_uptodate: knowledge_.data_uptodate = true; break;
                       case KnowledgeChange::promote:
                         knowledge_.generation += 1;
                         knowledge_.last_role = Role::prim;
                         break;
                       case KnowledgeChange::record_role_left: knowledge_.last_role = k.role; break;
                     }
                     out.push_back(SaveKnowledge{knowledge_});
                   },
                   [&](ActivityStep& a) {
                     activity_ = a.activity;
                     role_ = a.role;
                   },
                   [&](ReportStep& r) { out.push_back(Report{r.level, std::move(r.message)}); },
                   [&](DecideStep&) { decide(out); },
                   [&](StartAgainStep&) { plan_start(action_); },
               },
               step);
  }
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
  const std::string call = done.hook + " " + join_args(done.args);
  if (deferred_stop_) {
    const bool graceful = *deferred_stop_ == Command::stop;
    deferred_stop_.reset();
    if (!finished.ok)
      out.push_back(Report{LogLevel::warning, "hook " + call + " of module " + module_label() + " " +
                                                  describe_failure(finished) + "; the module stops as asked"});
    plan_stop(graceful, "stop", graceful ? "stopped by the administrator" : "force-stopped by the administrator");
  } else if (!finished.ok && done.phase == P::start) {
    out.push_back(Report{LogLevel::error,
                         "hook " + call + " of module " + module_label() + " " + describe_failure(finished) +
                             ". The start is abandoned: the stop hooks run (graceful, then force), then poststop, "
                             "and the module goes to STOP. Fix the hook, then run 'haven start -m " +
                             module_label() + "'"});
    plan_stop(true, "stop", "stopped because hook " + done.hook + " failed");
  } else if (!finished.ok) {
    out.push_back(Report{LogLevel::warning, "hook " + call + " of module " + module_label() + " " +
                                                describe_failure(finished) + "; the stop goes on"});
  }
  run_plan(out);
  return out;
}

std::vector<Action> MirrorStateMachine::on_peer_update(const PeerUpdate& peer) {
  std::vector<Action> out;
  peer_ = peer;
  if (activity_ == Activity::waiting_peer && !pending_hook_) {
    decide(out);
    run_plan(out);
  }
  // TODO(issue 3): peer changes in ALONE/PRIM/SECOND (ALONE⇄PRIM, failover, split brain).
  return out;
}

std::vector<Action> MirrorStateMachine::on_timer(const TimerFired& timer) {
  return {Report{LogLevel::debug, "module " + module_label() + ": timer " + timer.name + " is not used; ignored"}};
}

void MirrorStateMachine::enter(std::vector<Action>& out, ModuleState state, SubState sub, std::string reason) {
  state_ = state;
  sub_ = sub;
  reason_ = reason;
  out.push_back(EnterState{state, sub, std::move(reason)});
}

std::string MirrorStateMachine::module_label() const {
  return settings_.module.empty() ? "(unnamed)" : settings_.module;
}

}  // namespace haven::mirror
