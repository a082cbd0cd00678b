// What the host does around each of the mirror's hooks (SDK 2.0 typed host steps): the
// mirror's own knowledge that start_prim makes this node the replication sender and gives
// it the virtual IPs once the application runs, that stop_prim releases them first, and so
// on. The host carries the steps out without knowing the hooks' names.
#pragma once

#include <string>

#include "haven/behaviour.hpp"

namespace haven::mirror {

/// `hook` with the host steps the mirror attaches to it. `keep_aside_label` (empty: none)
/// goes with the receiver's start after a lost split brain.
RunHook with_host_steps(RunHook hook, const std::string& keep_aside_label);

/// The steps of `hook` as one list, in the order the host would carry them out, for a module
/// that runs no hooks (no `<user>`): the same work, without a script between.
std::vector<HostStep> steps_without_hook(const RunHook& hook);

/// The crash clean-up plan of the mirror: the forced stop of every role, then poststop.
std::vector<RunHook> crash_cleanup_hooks(const std::string& died_in);

}  // namespace haven::mirror
