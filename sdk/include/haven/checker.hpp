// haven SDK: checkers, which watch one thing and say whether it is up.
//
// The policy (interval, timeout, rise/fall counting, the resource it sets, the action it
// asks for) lives in the host; a checker plugin only answers "up or down, and why".
#pragma once

#include <chrono>
#include <string>

#include "haven/plugin.hpp"
#include "haven/result.hpp"

namespace haven {

/// The answer of one probe.
struct CheckResult {
  bool up = false;     ///< true when the watched thing is healthy
  std::string reason;  ///< why, for the log: "connected to 127.0.0.1:80 in 3 ms"
};

/// Watches one thing, configured from its XML element (HostContext::config()).
class Checker : public PluginObject {
 public:
  /// Probes once, returning within `timeout`. Called from a host worker thread, never
  /// concurrently on the same object. An error means the probe itself could not run
  /// (bad configuration); the host then reports the resource as unknown.
  virtual Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept = 0;
};

}  // namespace haven
