// One detection-time series: two havend on loopback with a given pulse/timeout, paired, then
// N times: kill -9 of the primary's agent, time until the secondary's log says the peer is
// lost and the module is ALONE, restart the killed node as SECOND (the roles alternate).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace haven::bench {

struct Profile {
  std::string name;  ///< "fast", "seed" or "custom"
  int pulse_ms = 100;
  int timeout_ms = 500;
};

/// Milliseconds from the kill (steady clock) until the secondary's module log showed each line.
struct RunTiming {
  int run = 0;
  std::string killed;  ///< the node whose agent was killed
  double lost_ms = 0;   ///< "... peer lost": the heartbeat timeout fired
  double takeover_ms = 0;  ///< "Action alone called by heart": the takeover decided (its hooks run next)
  double ready_ms = 0;  ///< "Local state ALONE Ready": start_prim done, the application is up
};

struct ProfileResult {
  Profile profile;
  std::vector<RunTiming> runs;
  std::string error;  ///< why the series stopped early, empty when it completed
};

/// Runs `runs` kills with `profile` on heartbeat port `heart_port` (and heart_port + 50 for
/// havend's node-to-node port); `on_run` sees each run as it ends. Never throws.
ProfileResult run_profile(const Profile& profile, int runs, int heart_port,
                          const std::function<void(const RunTiming&)>& on_run);

}  // namespace haven::bench
