#include "checks/restart_detector.hpp"

namespace haven::checks {

std::string describe(const Restart& restart) {
  std::string text = restart.before;
  if (!restart.between.empty()) text += ", then " + restart.between;
  return text + ", now " + restart.now;
}

std::optional<Restart> RestartDetector::observe(bool up, const std::string& run) {
  if (run.empty()) return std::nullopt;
  if (!up) {
    // A module between its hooks (ALONE Transient) is down but still in the same run.
    if (last_up_run_ && run != *last_up_run_) other_run_ = run;
    return std::nullopt;
  }
  std::optional<Restart> restart;
  if (last_up_run_ && (run != *last_up_run_ || !other_run_.empty()))
    restart = Restart{*last_up_run_, other_run_, run};
  last_up_run_ = run;
  other_run_.clear();
  return restart;
}

}  // namespace haven::checks
