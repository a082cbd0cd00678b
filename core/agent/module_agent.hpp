// The agent of one module on one node: feeds the module's behaviour (its pure state
// machine) with events, and carries out the actions it returns — runs hooks, enters
// states, persists what the node knows, answers commands.
//
// One thread owns the behaviour (the io_context's); control requests arrive on server
// threads and are posted to it; hooks run on a worker thread, one at a time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "plugin_host/host_service_backend.hpp"
#include "agent/module_setup.hpp"
#include "agent/load_filter_spec.hpp"
#include "agent/membership_link.hpp"
#include "agent/peer_link.hpp"
#include "agent/resource_table.hpp"
#include "checks/checker_runner.hpp"
#include "checks/checker_settings_store.hpp"
#include "checks/custom_checker.hpp"
#include "checks/split_brain_guard.hpp"
#include "common/haven_paths.hpp"
#include "control/control_server.hpp"
#include "failover_rules/rule_engine.hpp"
#include "haven/behaviour.hpp"
#include "plugin_host/plugin_host.hpp"
#include "replication_session/replication_session.hpp"
#include "state/module_status.hpp"
#include "vip/vip_owner.hpp"

namespace haven {

struct AgentOptions {
  HavenPaths paths;
  std::string node;
  std::string module;
  /// Makes the behaviour instead of the plugin the module's mode names: a test drives the
  /// agent's executor with a scripted behaviour through it. Empty in production.
  std::function<std::shared_ptr<Behaviour>(std::shared_ptr<HostContext>)> make_behaviour = {};
  /// The haven-hook program; empty: the one beside this program (a test's binary is elsewhere).
  std::filesystem::path hook_runner = {};
  /// Makes what holds the module's virtual IPs instead of a VipOwner: a test's fake, so that
  /// the executor's VIP steps are seen without touching an interface. Empty in production.
  std::function<std::unique_ptr<vip::VipHolder>(vip::VipOwnerOptions)> make_vips = {};
};

/// A resource as `haven get` and `haven state -v` show it.
ResourceStatus resource_status(const Resource& r);
/// The same, as JSON (the answer of `haven get` and `set`).
nlohmann::json resource_to_json(const Resource& r);

class ModuleAgent {
 public:
  explicit ModuleAgent(AgentOptions options);
  ~ModuleAgent();

  /// Loads the configuration, the plugins, the behaviour and what the node knows, and
  /// starts serving the agent socket. The error says what is wrong and where.
  Status init();
  /// Runs until the module is stopped; returns the process exit code.
  int run();

 private:
  ControlResponse handle_request(const ControlRequest& request);
  ControlResponse handle_resource_request(const ControlRequest& request);
  void set_host_resource(const std::string& name, const std::string& value);
  // What `state` answers: built on the loop thread, from every part of the agent.
  ModuleStatus status() const;
  nlohmann::json state_json() const;
  void feed(const Event& event);
  void execute(std::vector<Action> actions);
  void execute_one(const Action& action);
  // Hooks and the replication steps around them run on the job thread, one job at a time, in
  // order; the loop only decides and, when a job ends, applies what it did.
  struct Job;
  void queue_job(Job job);
  void start_job(Job job);
  void on_job_finished(std::optional<HookFinished> finished);
  bool hook_running() const;
  void maybe_exit();
  // Every PeerView of the peer link goes through here to the behaviour.
  void on_peer_update(const PeerView& update);
  void deliver_peer_update(const PeerView& update);
  // What the heartbeats and the farm's pulses say of this node.
  LocalModuleStatus local_status() const;
  // A farm (module_agent_farm.cpp): the membership link, and this node's share of each
  // load-balancing group enforced by the packet filter.
  Status open_membership();
  void apply_deal(const DealBuckets& deal);
  Status load_filter_apply();
  Result<FilterInputs> load_filter_inputs() const;  // the deal-independent part of the filter
  void load_filter_remove();
  // The module has farm virtual addresses and load-balancing groups: a packet filter decides
  // which clients this node serves.
  bool balances_load() const;
  std::vector<LoadShareStatus> load_statuses() const;
  // The module's virtual IPs: taken and released by the behaviour's TakeVips / ReleaseVips
  // steps, and released whenever the module enters a state that serves no clients
  // (module_agent_vip.cpp).
  void open_vips();
  Status take_vips();
  void release_vips();
  void follow_state_with_vips(ModuleState state);
  void arm_vip_refresh();
  std::vector<VipStatus> vip_statuses() const;
  // Checkers and failover rules (module_agent_checks.cpp): which checkers run in which state,
  // what their results set, which action a rule or errd asks of the behaviour.
  Status open_checks();
  void append_vip_checks(std::vector<checks::CheckerSpec>& plan) const;
  void follow_state_with_checks(ModuleState state, SubState sub);
  void on_observation(const checks::Observation& seen);
  void arm_rule_timer();
  void evaluate_rules();
  ControlResponse handle_checks_request(const ControlRequest& request);
  std::vector<CheckerStatus> checker_statuses() const;
  nlohmann::json checks_json() const;
  std::vector<ResourceStatus> resource_statuses() const;
  // <splitbrain>: true when it keeps `update` (every heartbeat lost) to hand it on later,
  // through deliver_peer_update(), once the witnesses have answered.
  bool hold_peer_loss(const PeerView& update);
  void apply_split_brain(checks::SplitBrainSteps steps);
  bool ping_witness(const std::string& witness, std::chrono::milliseconds timeout, std::string& detail);
  // The administrator's prim and primforce end a split-brain hold (both sides reached no
  // witness). Called on the io thread with every command, after last_reply_.reset() and
  // instead of feed(event) when it returns true: the release itself made the node go on,
  // and last_reply_ says so.
  bool before_administrator_command(const CommandEvent& event);
  // `haven checker|errd off` outlive the agent (usersetting.checker, usersetting.errd).
  void restore_checker_settings();
  void persist_checker_settings();

  // Replication (module_agent_replication.cpp): the session's role follows the behaviour's
  // StartReplication / StopReplication steps, and is given up in STOP.
  enum class ReplicationRole { none, primary, secondary };
  /// What a job does to the replication session, decided on the loop, carried out on the job
  /// thread: take a role (a StartReplication step), or give the current one up (a
  /// StopReplication step, or in STOP).
  struct ReplicationStep {
    enum class Kind { none, become, release } kind = Kind::none;
    ReplicationRole target = ReplicationRole::none;  ///< become
    ReplicationRole from = ReplicationRole::none;    ///< the role when the step was decided
    bool lazy = true;            ///< release: fence and detach whatever holds files (false: try only)
    bool peer_reachable = false; ///< become primary: shown in state
    std::optional<std::string> keep_aside;  ///< become secondary after a lost split brain
    std::chrono::milliseconds drain_stall{5000};
  };
  struct ReplicationOutcome {
    Status status = ok_status();
    ReplicationRole role = ReplicationRole::none;  ///< the session's role afterwards
  };
  Status open_replication();
  // The session's step for a behaviour's StartReplication or StopReplication, from the role
  // the loop sees now (none: nothing to do).
  ReplicationStep replication_step_for(const HostStep& step) const;
  ReplicationStep replication_step_to(ReplicationRole role) const;
  ReplicationOutcome carry_out(const ReplicationStep& step);                  // job thread
  void apply_replication_outcome(const ReplicationStep& step, const ReplicationOutcome& outcome);
  void follow_state_with_replication(ModuleState state, SubState sub);
  // A lost secondary's writes wait for this node's decision (DirectorySink): allowed once the
  // peer says its copy is behind; ALONE and leaving the role decide in follow_state_*.
  void check_peer_behind();
  void offer_in_sync();
  Status log_status(Status st);
  void connect_secondary_if_ready();
  void arm_replication_retry();
  void on_secondary_lost(const std::string& why);
  void on_stream_ended(const std::string& why);
  void check_stream_ended();
  nlohmann::json replication_json() const;
  ControlResponse handle_replication_request(const ControlRequest& request);  // rfsdiff, rfsverify
  void close_replication();

  AgentOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  ModuleSetup setup_;
  PluginHost plugins_;
  std::shared_ptr<Behaviour> behaviour_;
  std::unique_ptr<PeerLink> peer_link_;   // none when the module has no peer
  std::unique_ptr<MembershipLink> membership_;  // a farm's: none for other behaviours
  std::atomic<bool> membership_known_{false};   // the link gave its first view
  std::map<std::string, DealBuckets> load_shares_;  // group -> this node's share, as last dealt
  std::optional<PeerView> last_peer_;   // what the peer link said last
  std::atomic<bool> peer_known_{false};    // read by control threads
  boost::asio::io_context io_;
  ControlServer server_;
  std::map<std::string, std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::unique_ptr<vip::VipHolder> vips_;   // none when the module has no <vip> address
  std::optional<config::VipConfig> vip_config_;  // the module's <vip>, when it has one
  bool load_filter_installed_ = false;
  std::optional<FilterInputs> filter_inputs_;  // found when the filter is first needed
  std::unique_ptr<boost::asio::steady_timer> vip_refresh_timer_;
  std::shared_ptr<HostServiceBackend> host_services_;  // what checkers ask the host (module states, ...)
  std::unique_ptr<checks::CheckerRunner> checkers_;
  std::unique_ptr<failover::RuleEngine> rules_;
  std::unique_ptr<boost::asio::steady_timer> rule_timer_;
  std::chrono::milliseconds rule_period_{5000};
  bool rules_armed_ = false;         // the module runs: rules are evaluated every period
  std::string held_by_rule_;         // the wait() rule the behaviour was told holds it
  std::unique_ptr<checks::CustomCheckerSet> custom_checkers_;  // the <custom> programs
  std::unique_ptr<checks::SplitBrainGuard> split_brain_;       // none without <splitbrain> and a peer
  std::unique_ptr<checks::WitnessProbe> witness_probe_;
  checks::CheckerSettings checker_settings_;                  // as persisted in the var folder

  std::unique_ptr<replication_session::ReplicationSession> replication_;  // none without <rfs>
  ReplicationRole replication_role_ = ReplicationRole::none;
  bool replication_linked_ = false;        // the primary's links to its secondary are up
  bool replication_connecting_ = false;    // a peer_secondary_ready() runs on its thread
  std::thread replication_connect_thread_;
  std::unique_ptr<boost::asio::steady_timer> replication_retry_timer_;
  std::unique_ptr<boost::asio::steady_timer> stream_check_timer_;
  std::optional<std::chrono::steady_clock::time_point> stream_ended_at_;  // secondary: stream ended, cause unknown yet
  // Primary: when the secondary's link was lost and no decision about its writes is made yet.
  std::optional<std::chrono::steady_clock::time_point> secondary_lost_at_;
  // Primary: a RefuseUnforwardedWrites step ran, or a state other than PRIM/ALONE was entered: a secondary lost
  // from now on has its missing writes refused, not held (the stop must not wait on them).
  bool leaving_primary_ = false;
  std::unique_ptr<boost::asio::steady_timer> behind_check_timer_;

  // Owned by the io thread.
  struct Job {
    std::optional<RunHook> hook;                 ///< with the host steps around it
    std::optional<ReplicationRole> replication;  ///< without a hook: the role the session takes (STOP's release)
    std::vector<HostStep> steps;                 ///< without a hook: a behaviour's CarryOut
  };
  // A host step as the job thread carries it out, decided on the loop when the job starts:
  // on the loop (virtual IPs, refusing writes), or a replication step on the worker.
  struct PlannedStep {
    std::optional<HostStep> on_loop;
    ReplicationStep replication;
  };
  std::vector<PlannedStep> plan_host_steps(const std::vector<HostStep>& steps) const;
  Status carry_out_steps(const std::vector<PlannedStep>& steps);  // job thread
  Status carry_out_on_loop(const HostStep& step);
  std::deque<Job> queued_jobs_;
  std::optional<Job> running_job_;
  std::thread job_thread_;
  std::optional<CommandReply> last_reply_;
  std::string reason_;
  ResourceTable resources_;
  bool failover_ = true;  // the behaviour's setting, as the last failover command left it
  bool started_ = false;
  std::atomic<bool> exiting_{false};
  // Set by control threads to kill the running hook (forcestop during a start hook).
  std::shared_ptr<std::atomic<bool>> hook_cancel_;
  std::atomic<bool> start_hook_running_{false};  // read by control threads
};

}  // namespace haven
