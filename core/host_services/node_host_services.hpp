// The SDK's host services on a node (HostContext::module_status, daemon_request,
// config_text), through this node's havend and its files: what plugins use instead of
// linking the control client or the configuration reader themselves.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "common/haven_paths.hpp"
#include "plugin_host/host_service_backend.hpp"

namespace haven {

class NodeHostServices final : public HostServiceBackend {
 public:
  /// `paths` locate havend's socket, cluster.xml and the modules; `env` expands %NAME% in
  /// cluster.xml as everywhere else.
  NodeHostServices(HavenPaths paths, std::map<std::string, std::string> env)
      : paths_(std::move(paths)), env_(std::move(env)) {}

  /// Asks this node's havend for `state -m module`; when `where` is a node of cluster.xml
  /// (by name or address) havend relays the question to it. A loopback address that is no
  /// node's, or "", is this node.
  Result<ModuleStatusReport> module_status(std::string_view module, std::string_view where,
                                           std::chrono::milliseconds timeout) override;
  Result<std::string> daemon_request(std::string_view request_json, std::chrono::milliseconds timeout) override;
  Result<std::string> config_text(std::string_view module, std::string_view location) override;

 private:
  Result<std::string> node_of(std::string_view where) const;

  HavenPaths paths_;
  std::map<std::string, std::string> env_;
};

}  // namespace haven
