// What a BasicHostContext forwards the SDK's host services to (HostContext::module_status,
// daemon_request, config_text). Kept abstract here so that plugin_host needs no control
// client or configuration reader: core/host_services implements it for a node, tests fake it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "haven/module_status.hpp"
#include "haven/result.hpp"

namespace haven {

class HostServiceBackend {
 public:
  virtual ~HostServiceBackend() = default;
  /// As HostContext::module_status. Thread-safe.
  virtual Result<ModuleStatusReport> module_status(std::string_view module, std::string_view where,
                                                   std::chrono::milliseconds timeout) = 0;
  /// As HostContext::daemon_request. Thread-safe.
  virtual Result<std::string> daemon_request(std::string_view request_json, std::chrono::milliseconds timeout) = 0;
  /// As HostContext::config_text, for `module` ("" outside a module). Thread-safe.
  virtual Result<std::string> config_text(std::string_view module, std::string_view location) = 0;
};

}  // namespace haven
