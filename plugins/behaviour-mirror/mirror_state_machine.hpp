// The mirror module's state machine on one node: STOP, WAIT, ALONE, PRIM, SECOND.
//
// Pure: events in, actions out, time injected. It never touches a file, a socket or a
// clock, so the tests drive it exhaustively in simulated time. The transitions are one
// table (command_rules() and the hook sequences in mirror_state_machine.cpp); the hooks of
// a transition run one at a time: the machine emits RunHook, waits for its HookFinished,
// then goes on with the rest of the pending plan.
//
// Peer: the machine leaves WAIT only once it has heard at least one PeerUpdate since
// begin() (the one-node driver sends PeerUpdate{reachable=false} right after a start
// command; issue 3's heartbeat answers when it knows). After that it uses the latest one.
#pragma once

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "haven/behaviour.hpp"
#include "loop_counter.hpp"

namespace haven::mirror {

class MirrorStateMachine final : public Behaviour {
 public:
  std::vector<Action> begin(const ServiceSettings& settings, const NodeKnowledge& known,
                            TimePoint now) override;
  std::vector<Action> handle(const Event& event, TimePoint now) override;
  ModuleState state() const override { return state_; }
  SubState sub_state() const override { return sub_; }
  NodeKnowledge knowledge() const override { return knowledge_; }

  /// True while a RunHook is waiting for its HookFinished.
  bool hook_pending() const { return pending_hook_.has_value(); }
  /// True while in WAIT for news of the peer before choosing where to go.
  bool waiting_for_peer() const { return activity_ == Activity::waiting_peer; }

  /// What the machine is doing; it decides how a stop or a failing hook is handled.
  enum class Activity { idle, starting, waiting_peer, entering_role, restarting, stopping, force_stopping };

 private:
  // What a rule's handler decided; the caller turns it into the CommandReply.
  struct Outcome {
    bool accepted = true;
    std::string message;
  };
  using Handler = Outcome (MirrorStateMachine::*)(const CommandEvent&);

  // One row of the command table: in `state`, `command` runs `handler`, or is refused
  // with `note` when handler is null.
  struct CommandRule {
    ModuleState state;
    Command command;
    Handler handler;
    const char* note;
  };
  static std::span<const CommandRule> command_rules();

  // Steps of the pending plan, carried out in order until a hook must be waited for.
  struct HookStep {
    std::string hook;
    std::vector<std::string> args;
    HookPhase phase = HookPhase::start;
  };
  struct StateStep {
    ModuleState state;
    SubState sub;
    std::string reason;
  };
  enum class KnowledgeChange { mark_uptodate, promote, record_role_left };
  struct KnowledgeStep {
    KnowledgeChange change;
    Role role = Role::none;
  };
  struct ActivityStep {
    Activity activity;
    ModuleState role = ModuleState::stop;  // the role whose hooks are about to run
  };
  struct ReportStep {
    LogLevel level;
    std::string message;
  };
  struct DecideStep {};        // leave WAIT for the state the rules allow
  struct StartAgainStep {};    // stopstart: the stop is done, start again
  using Step = std::variant<HookStep, StateStep, KnowledgeStep, ActivityStep, ReportStep, DecideStep,
                            StartAgainStep>;

  std::vector<Action> on_command(const CommandEvent& command, TimePoint now);
  std::vector<Action> on_hook_finished(const HookFinished& finished);
  std::vector<Action> on_peer_update(const PeerUpdate& peer);
  std::vector<Action> on_timer(const TimerFired& timer);

  Outcome dispatch(const CommandEvent& command);
  Outcome while_busy(const CommandEvent& command);
  Outcome refuse(Command command, const std::string& why) const;

  // Handlers named in the command table.
  Outcome start(const CommandEvent&);
  Outcome prim_from_stop(const CommandEvent&);
  Outcome prim_in_wait(const CommandEvent&);
  Outcome second(const CommandEvent&);
  Outcome stop(const CommandEvent&);
  Outcome forcestop(const CommandEvent&);
  Outcome restart(const CommandEvent&);
  Outcome stopstart(const CommandEvent&);
  Outcome swap(const CommandEvent&);

  // Plans: each replaces the pending plan.
  void plan_start(const std::string& action);
  void plan_stop(bool graceful, const std::string& action, const std::string& reason);
  void plan_enter_role(ModuleState role);
  void plan_restart();

  void push_hooks_of(ModuleState from, ModuleState to, const std::string& action, bool skip_transition,
                     const std::string& arg_from, const std::string& arg_to);
  void decide(std::vector<Action>& out);
  void run_plan(std::vector<Action>& out);
  void enter(std::vector<Action>& out, ModuleState state, SubState sub, std::string reason);
  std::string module_label() const;

  ServiceSettings settings_;
  NodeKnowledge knowledge_;
  ModuleState state_ = ModuleState::stop;
  SubState sub_ = SubState::not_ready;
  std::string reason_ = "stopped";
  Activity activity_ = Activity::idle;
  ModuleState role_ = ModuleState::stop;  // the role whose hooks run (entering, restarting, leaving)
  std::string action_ = "start";  // the seed's hook action: start, stop, stopstart, stopwait
  std::deque<Step> plan_;
  std::optional<HookStep> pending_hook_;
  std::optional<Command> deferred_stop_;  // stop or forcestop asked while a hook ran
  std::optional<PeerUpdate> peer_;        // the latest news of the peer, if any yet
  LoopCounter loop_;
};

}  // namespace haven::mirror
