// havend's request handling: node-wide commands, and module commands forwarded to the
// module's agent (started on demand).
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "control/control_server.hpp"
#include "daemon/agent_supervisor.hpp"

namespace haven {

class NodeDaemon {
 public:
  NodeDaemon(HavenPaths paths, std::string node, std::shared_ptr<spdlog::logger> log);

  /// Serves the control socket until stop().
  Status start();
  /// Stops serving; stops every running module first when `stop_modules`.
  void stop(bool stop_modules);

  ControlResponse handle(const ControlRequest& request, const ControlPeer& peer);

 private:
  ControlResponse module_command(const ControlRequest& request);
  ControlResponse state(const ControlRequest& request);
  nlohmann::json module_state(const std::string& module, int id);

  HavenPaths paths_;
  std::string node_;
  std::shared_ptr<spdlog::logger> log_;
  AgentSupervisor agents_;
  ControlServer server_;
};

}  // namespace haven
