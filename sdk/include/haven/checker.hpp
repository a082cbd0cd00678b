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

/// ABI 1.2: one probe's answer together with the run of the watched thing that gave it.
struct RunCheckResult {
  CheckResult check;
  /// What runs, for the log: "module db on node node2".
  std::string thing;
  /// Which run of it answered: equal at two probes only when it did not stop and start in
  /// between ("agent 4242, generation 7"); a text of its own while it is not running
  /// ("not running"). Empty when the probe learnt nothing of it (no answer).
  std::string run;
};

/// ABI 1.2: a checker that can also tell which run of the watched thing it saw (a module
/// that stops and starts again), so that the host notices a restart between two probes
/// that both found it up. The host finds it with dynamic_cast on the Checker it made; a
/// checker built for ABI 1.1 is not one, and the host sees no restarts of what it watches.
/// What a restart leads to (the module checker's stopstart) is the host's policy.
class RunAwareChecker : public Checker {
 public:
  /// As probe(), with the run. Called instead of probe(), under the same rules.
  virtual Result<RunCheckResult> probe_run(std::chrono::milliseconds timeout) noexcept = 0;
};

}  // namespace haven
