// The mirror module's state machine on one node: STOP, WAIT, ALONE, PRIM, SECOND.
//
// Pure: events in, actions out, time injected. It never touches a file, a socket or a
// clock, so the tests drive it exhaustively in simulated time. The transitions are one
// table (command_rules() and the hook sequences in mirror_state_machine.cpp); the hooks of
// a transition run one at a time: the machine emits RunHook, waits for its HookFinished,
// then goes on with the rest of the pending plan.
//
// Peer: the machine leaves WAIT only once it has heard at least one Membership since
// begin() (a one-node agent sends an empty one right after a start command; the heartbeats
// answer when they know). Its peer is the membership's first node (none: no peer). After
// that it uses the latest one, and reacts to every change of the peer's state once no hook
// of its own is running.
//
// What the host does around each hook (replication roles, virtual IPs) travels as typed
// host steps on the RunHook (hook_host_steps.hpp); news of the replicated copy arrives as
// ReplicationNews. See docs/states.md, "Two nodes".
#pragma once

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "haven/behaviour.hpp"
#include "haven/loop_counter.hpp"

namespace haven::mirror {

/// The start of the error line logged when this node lost a split brain (then the node name,
/// then ": "): its writes are kept aside (StartReplication::keep_aside_label) before the
/// resynchronisation overwrites them.
inline constexpr const char* kKeepAsidePrefix = "SPLIT BRAIN: keep aside the writes of node ";

class MirrorStateMachine final : public Behaviour {
 public:
  std::vector<Action> begin(const ServiceSettings& settings, const NodeKnowledge& known,
                            TimePoint now) override;
  std::vector<Action> handle(const Event& event, TimePoint now) override;
  ModuleState state() const override { return state_; }
  SubState sub_state() const override { return sub_; }
  NodeKnowledge knowledge() const override { return knowledge_; }
  std::vector<RunHook> crash_cleanup(const ServiceSettings& settings, std::optional<ModuleState> died_in) const override;
  PeerDiscovery peer_discovery() const noexcept override { return PeerDiscovery::heartbeat_pair; }

  /// True while a RunHook is waiting for its HookFinished.
  bool hook_pending() const { return pending_hook_.has_value(); }
  /// True while in WAIT for news of the peer before choosing where to go.
  bool waiting_for_peer() const { return activity_ == Activity::waiting_peer; }
  /// True while the hooks of a move to ALONE or PRIM run: this node has chosen to be primary.
  bool becoming_primary() const {
    return activity_ == Activity::entering_role && (role_ == ModuleState::alone || role_ == ModuleState::prim);
  }

  /// What the machine is doing; it decides how a stop or a failing hook is handled.
  enum class Activity {
    idle, starting, waiting_peer, entering_role, leaving_role, restarting, stopping, force_stopping
  };

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
  enum class KnowledgeChange { mark_uptodate, promote, record_role_left, become_second, mark_stale };
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
  struct StartAgainStep {      // stopstart, or a start asked during a stop: the stop is done, start again
    std::string action;        // the hooks' action argument; empty: the stop's own (stopstart)
  };
  using Step = std::variant<HookStep, StateStep, KnowledgeStep, ActivityStep, ReportStep, DecideStep,
                            StartAgainStep>;

  std::vector<Action> on_command(const CommandEvent& command, TimePoint now);
  std::vector<Action> on_hook_finished(const HookFinished& finished);
  std::vector<Action> on_peer_update(const PeerView& peer);
  std::vector<Action> on_timer(const TimerFired& timer);
  std::vector<Action> on_replication_news(const ReplicationNews& news);

  Outcome dispatch(const CommandEvent& command);
  Outcome while_busy(const CommandEvent& command);
  Outcome refuse(Command command, const std::string& why) const;

  // Handlers named in the command table.
  Outcome start(const CommandEvent&);
  std::optional<Outcome> declare_uptodate(const CommandEvent& command);
  Outcome prim_from_stop(const CommandEvent&);
  Outcome prim_in_wait(const CommandEvent&);
  Outcome second(const CommandEvent&);
  Outcome stop(const CommandEvent&);
  Outcome forcestop(const CommandEvent&);
  Outcome restart(const CommandEvent&);
  Outcome stopstart(const CommandEvent&);
  Outcome swap(const CommandEvent&);
  Outcome set_failover(const CommandEvent&);
  Outcome wait_on(const CommandEvent&);
  Outcome wait_off(const CommandEvent&);

  // Plans: each replaces the pending plan.
  void plan_start(const std::string& action);
  void plan_stop(bool graceful, const std::string& action, const std::string& reason);
  void plan_enter_role(ModuleState role);
  void plan_restart();
  void plan_role_change(ModuleState from, ModuleState to, const std::string& reason, bool promote);
  void plan_split_brain_loss(std::vector<Action>& out);
  void plan_swap_to_second(const std::string& reason);
  void plan_leave_to_wait(const std::string& reason);

  // The pair rules: where WAIT leads with this peer, what a settled role does on news of it.
  void decide_with_peer(std::vector<Action>& out, const PeerView& peer);
  void react_to_peer(std::vector<Action>& out);
  void hold(std::vector<Action>& out, const std::string& why);
  void on_in_sync(std::vector<Action>& out);
  void on_behind(std::vector<Action>& out);
  bool local_outranks(const PeerView& peer) const;
  bool peer_is_primary() const;
  std::optional<std::string> peer_blocks_prim() const;
  bool peer_may_be_committing() const;
  void note_falling_behind(std::vector<Action>& out);
  bool settled() const { return !pending_hook_ && plan_.empty(); }

  void push_hooks_of(ModuleState from, ModuleState to, const std::string& action, bool skip_transition,
                     const std::string& arg_from, const std::string& arg_to);
  void decide(std::vector<Action>& out);
  void run_plan(std::vector<Action>& out);
  void enter(std::vector<Action>& out, ModuleState state, SubState sub, std::string reason);
  // SaveKnowledge, with the rfs.uptodate resource that shows it.
  void save_knowledge(std::vector<Action>& out) const;
  SetResource uptodate_resource() const;
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
  std::optional<PeerView> peer_;        // the latest news of the peer, if any yet
  LoopCounter loop_;
  std::string keep_aside_label_;  // a split brain lost: kept aside at the next receiver's start
  bool want_second_ = false;   // `second`: this start ends as secondary, never primary
  bool hold_for_prim_ = false; // failover="off" left SECOND: only `prim` promotes
  bool peer_wrote_without_us_ = false;  // a primary peer was seen while this node was not its in-sync SECOND
  bool swapping_ = false;      // PRIM→SECOND by swap: the peer takes over once we are SECOND
  bool expecting_second_ = false;  // PRIM entered from WAIT: the waiting peer is to become SECOND
  bool prim_asked_ = false;    // prim/primforce: the administrator chose this node over the rank
  std::string held_by_;        // the failover rule whose wait() holds the module in WAIT, if any
};

}  // namespace haven::mirror
