// The farm module's state machine on one node: STOP, WAIT, UP (the light mode too, alone).
//
// Pure: events in, actions out, time injected, like the mirror's. A farm runs its
// application on every node at once; each UP node serves the share of every load-balancing
// group that the deal (bucket_deal.hpp) gives it, computed from the membership: this node
// and the peers that are UP and reachable. A membership change re-deals; a partition thus
// gives each side the whole load, and the sides share it again once they see each other.
//
// Hooks, as the seed product calls them for a farm: STOP -> WAIT runs transition and
// prestart; WAIT -> UP transition and start_both (then the virtual IPs and the deal);
// UP -> WAIT stop_both and transition (the deal and the virtual IPs go first); WAIT -> STOP
// stop_both with "force", poststop, transition. restart re-runs stop_both and start_both.
// A failover rule's wait() holds the module in WAIT (NotReady) until released; restart,
// stopstart and wait asked by a detector count against maxloop.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "haven/behaviour.hpp"
#include "haven/loop_counter.hpp"

namespace haven::farm {

class FarmStateMachine final : public Behaviour {
 public:
  /// `discovery`: farm_membership for a farm, none for a light module (one node).
  explicit FarmStateMachine(PeerDiscovery discovery = PeerDiscovery::farm_membership) : discovery_(discovery) {}
  std::vector<Action> begin(const ServiceSettings& settings, const NodeKnowledge& known, TimePoint now) override;
  std::vector<Action> handle(const Event& event, TimePoint now) override;
  ModuleState state() const override { return state_; }
  SubState sub_state() const override { return sub_; }
  NodeKnowledge knowledge() const override { return knowledge_; }
  std::vector<RunHook> crash_cleanup(const ServiceSettings& settings, std::optional<ModuleState> died_in) const override;
  PeerDiscovery peer_discovery() const noexcept override { return discovery_; }

  /// True while a RunHook waits for its HookFinished.
  bool hook_pending() const { return pending_hook_.has_value(); }
  /// The nodes sharing the load now (this one included while it serves), sorted; empty
  /// while this node serves nothing.
  const std::vector<std::string>& members() const { return members_; }

 private:
  struct HookStep {
    std::string hook;
    std::vector<std::string> args;
    HookPhase phase = HookPhase::start;
    bool serve_after = false;  // start_both: once it succeeded, take the VIPs and deal
    bool unserve_before = false;  // stop_both: stop serving first
  };
  struct StateStep {
    ModuleState state;
    SubState sub;
    std::string reason;
  };
  struct ServeStep {};       // UP Ready: deal the load with the current membership
  struct DecideStep {};      // after WAIT's hooks: UP, or hold in WAIT
  struct StartAgainStep {};  // stopstart: the stop is done, start again
  using Step = std::variant<HookStep, StateStep, ServeStep, DecideStep, StartAgainStep>;

  std::vector<Action> on_command(const CommandEvent& command, TimePoint now);
  std::vector<Action> on_hook_finished(const HookFinished& finished);
  std::vector<Action> on_membership(const Membership& membership);
  CommandReply dispatch(const CommandEvent& command, std::vector<Action>& out);

  void plan_start();
  void plan_up();
  void plan_leave_up(const std::string& action, const std::string& reason);
  void plan_stop(bool graceful, const std::string& action, const std::string& reason);
  void plan_restart();
  void run_plan(std::vector<Action>& out);
  void enter(std::vector<Action>& out, ModuleState state, SubState sub, std::string reason);
  // Deals every group again when the members changed; `force`: also when they did not.
  void redeal(std::vector<Action>& out, bool force);
  void stop_serving(std::vector<Action>& out);
  std::vector<std::string> current_members() const;
  bool settled() const { return !pending_hook_ && plan_.empty(); }
  std::string label() const;

  PeerDiscovery discovery_;
  ServiceSettings settings_;
  NodeKnowledge knowledge_;
  ModuleState state_ = ModuleState::stop;
  SubState sub_ = SubState::not_ready;
  std::deque<Step> plan_;
  std::optional<HookStep> pending_hook_;
  std::optional<Command> deferred_stop_;  // stop or forcestop asked while a hook ran
  std::string held_by_;                   // the wait() rule holding the module in WAIT
  std::vector<PeerView> peers_;
  std::vector<std::string> members_;      // the deal in force; empty: not serving
  bool serving_ = false;
  LoopCounter loop_;
};

}  // namespace haven::farm
