// When the thing a run-aware checker watches (another module) restarted, from the run each
// probe reports: an up probe whose run is not the one of the last up probe, or that came
// after another run was seen (the thing was seen not running, then up again). Never on the
// first up probe: a detector lives for one run of its checker, so neither the start of the
// local module nor of its checker looks like a restart of what they watch. Pure.
#pragma once

#include <optional>
#include <string>

namespace haven::checks {

/// A restart seen between two up probes, in the checker's own words for runs.
struct Restart {
  std::string before;   ///< the run of the last up probe: "agent 4242, generation 7"
  std::string between;  ///< the last other run seen in between ("not running"), or empty
  std::string now;      ///< the run of this up probe
};

/// "agent 1, generation 3, then not running, now agent 1, generation 4".
std::string describe(const Restart& restart);

class RestartDetector {
 public:
  /// One probe's answer: `up`, and the run that gave it (empty: the probe learnt nothing of
  /// the run, e.g. no answer; it changes nothing). A restart when this up probe ends a run.
  std::optional<Restart> observe(bool up, const std::string& run);

 private:
  std::optional<std::string> last_up_run_;
  std::string other_run_;  // another run seen since the last up probe
};

}  // namespace haven::checks
