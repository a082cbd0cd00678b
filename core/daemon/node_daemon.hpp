// havend's request handling: node-wide commands, module commands forwarded to the module's
// agent (started on demand), and commands to or from other nodes' havend (remote_commands.cpp).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "control/control_server.hpp"
#include "daemon/agent_supervisor.hpp"
#include "daemon/boot_starter.hpp"
#include "remote/remote_server.hpp"

namespace haven {

class NodeDaemon {
 public:
  NodeDaemon(HavenPaths paths, std::string node, std::shared_ptr<spdlog::logger> log);
  ~NodeDaemon();

  /// Serves the control socket until stop().
  Status start();
  /// Stops serving; stops every running module first when `stop_modules`.
  void stop(bool stop_modules);

  ControlResponse handle(const ControlRequest& request, const ControlPeer& peer);
  /// A request another node's havend sent, already authenticated with the cluster key.
  ControlResponse handle_remote(const ControlRequest& request, const std::string& sender);

 private:
  ControlResponse dispatch(const ControlRequest& request);
  /// Listens for other nodes' requests when cluster.xml names this node; logs why not otherwise.
  void start_remote();
  /// `relay`: sends args.request to node args.node's havend and returns its answer.
  ControlResponse relay(const ControlRequest& request);
  ControlResponse module_command(const ControlRequest& request);
  ControlResponse state(const ControlRequest& request);
  // cluster_requests.cpp: this node's cluster key and cluster.xml, and another node's push.
  ControlResponse cluster_info();
  ControlResponse cluster_push(const ControlRequest& request);
  ControlResponse cluster_reload();
  void restart_remote_soon();
  // module_requests.cpp: module-import (haven -H NODES -E M), module-configure, -confinfo, -deconfig, -update.
  ControlResponse module_request(const ControlRequest& request);
  Result<std::string> import_module(const ControlRequest& request);
  ControlResponse module_update(const std::string& module);
  void run_remote_reloader();
  void stop_reloader();
  nlohmann::json module_state(const std::string& module, int id);

  HavenPaths paths_;
  std::string node_;
  std::shared_ptr<spdlog::logger> log_;
  AgentSupervisor agents_;
  ControlServer server_;
  RemoteServer remote_;
  std::mutex reload_mutex_;
  std::condition_variable reload_wake_;
  bool reload_wanted_ = false;
  bool reload_quit_ = false;
  std::thread reloader_;  // restarts remote_ with a new cluster.xml
  BootStarter boot_;  // declared last, destroyed first: its threads call dispatch()
};

}  // namespace haven
