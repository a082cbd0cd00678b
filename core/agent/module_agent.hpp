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
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "agent/module_setup.hpp"
#include "agent/peer_link.hpp"
#include "agent/resource_table.hpp"
#include "checks/checker_runner.hpp"
#include "common/haven_paths.hpp"
#include "control/control_server.hpp"
#include "failover_rules/rule_engine.hpp"
#include "haven/behaviour.hpp"
#include "plugin_host/plugin_host.hpp"
#include "vip/vip_owner.hpp"

namespace haven {

struct AgentOptions {
  HavenPaths paths;
  std::string node;
  std::string module;
};

/// A resource as `haven get` and `haven state -v` show it.
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
  nlohmann::json state_json() const;
  void feed(const Event& event);
  void execute(std::vector<Action> actions);
  void execute_one(const Action& action);
  void start_hook(const RunHook& hook);
  void on_hook_finished(HookFinished finished);
  void maybe_exit();
  // Every PeerUpdate of the peer link goes through here to the behaviour.
  void on_peer_update(const PeerUpdate& update);
  void deliver_peer_update(const PeerUpdate& update);
  // The module's virtual IPs: set once start_prim has succeeded, removed before stop_prim
  // runs and whenever the module leaves PRIM/ALONE (module_agent_vip.cpp).
  void open_vips();
  Status take_vips();
  void release_vips();
  void follow_state_with_vips(ModuleState state, SubState sub);
  void arm_vip_refresh();
  nlohmann::json vips_json() const;
  // Checkers and failover rules (module_agent_checks.cpp): which checkers run in which state,
  // what their results set, which action a rule or errd asks of the behaviour.
  Status open_checks();
  void append_vip_checks(std::vector<checks::CheckerSpec>& plan) const;
  void follow_state_with_checks(ModuleState state, SubState sub);
  void on_observation(const checks::Observation& seen);
  void arm_rule_timer();
  void evaluate_rules();
  ControlResponse handle_checks_request(const ControlRequest& request);
  nlohmann::json checks_json() const;
  nlohmann::json resources_json() const;
  // <splitbrain>: true when it keeps `update` (every heartbeat lost) to hand it on later,
  // through deliver_peer_update(), once the witnesses have answered.
  bool hold_peer_loss(const PeerUpdate& update);

  AgentOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  ModuleSetup setup_;
  PluginHost plugins_;
  std::shared_ptr<Behaviour> behaviour_;
  std::unique_ptr<PeerLink> peer_link_;   // none when the module has no peer
  std::optional<PeerUpdate> last_peer_;   // what the peer link said last
  std::atomic<bool> peer_known_{false};    // read by control threads
  boost::asio::io_context io_;
  ControlServer server_;
  std::map<std::string, std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::unique_ptr<vip::VipOwner> vips_;   // none when the module has no <vip> address
  std::unique_ptr<boost::asio::steady_timer> vip_refresh_timer_;
  std::unique_ptr<checks::CheckerRunner> checkers_;
  std::unique_ptr<failover::RuleEngine> rules_;
  std::unique_ptr<boost::asio::steady_timer> rule_timer_;
  std::chrono::milliseconds rule_period_{5000};
  bool rules_armed_ = false;         // the module runs: rules are evaluated every period
  std::string held_by_rule_;         // the wait() rule the behaviour was told holds it

  // Owned by the io thread.
  std::deque<RunHook> queued_hooks_;
  std::optional<RunHook> running_hook_;
  std::thread hook_thread_;
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
