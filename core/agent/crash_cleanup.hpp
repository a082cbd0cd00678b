// What havend runs after a module's agent died while the module was running: the forced
// stop hooks, so that the application does not go on without haven watching it (and, on a
// primary, beside the peer that is taking over).
#pragma once

#include <string>

#include "common/haven_paths.hpp"

namespace haven {

/// Removes the virtual IPs the dead agent recorded (vip::remove_recorded), then runs the hooks
/// of the behaviour's crash_cleanup() plan for the state the dead agent last recorded
/// (HavenPaths::agent_state_file; the mirror's: every role's stop with `force`, then
/// poststop), detaches the replicated directories, and removes that record.
/// Does nothing when the record says STOP or is absent. Returns the process exit code: 0 when
/// every hook succeeded, 1 otherwise (each failure is in the module log).
int run_crash_cleanup(const HavenPaths& paths, const std::string& node, const std::string& module);

}  // namespace haven
