#include "hook_host_steps.hpp"

#include <utility>

namespace haven::mirror {
namespace {

// Built as named values: GCC 12 warns (maybe-uninitialized) on a braced temporary moved into
// a variant's vector.
HostStep start_replication(ReplicaRole role, const std::string& keep_aside_label) {
  StartReplication step;
  step.role = role;
  step.keep_aside_label = keep_aside_label;
  return HostStep(std::in_place_type<StartReplication>, std::move(step));
}

HostStep stop_replication(ReplicaRole role, bool forced) {
  StopReplication step;
  step.role = role;
  step.forced = forced;
  return HostStep(std::in_place_type<StopReplication>, step);
}

}  // namespace

RunHook with_host_steps(RunHook hook, const std::string& keep_aside_label) {
  const bool forced = hook.phase == HookPhase::force_stop;
  if (hook.hook == "start_prim") {
    // The application writes into its replicated directories from start_prim on; clients
    // reach it only once it has started.
    hook.before.push_back(start_replication(ReplicaRole::sender, {}));
    hook.after_success.emplace_back(std::in_place_type<TakeVips>);
  } else if (hook.hook == "start_second") {
    hook.before.push_back(start_replication(ReplicaRole::receiver, keep_aside_label));
  } else if (hook.hook == "stop_prim") {
    // Clients stop arriving before the application stops, and a write the lost secondary
    // lacks must not hold the stop up: it fails.
    hook.before.emplace_back(std::in_place_type<ReleaseVips>);
    hook.before.emplace_back(std::in_place_type<RefuseUnforwardedWrites>);
    // After the graceful stop the application may still hold files: the forced stop's turn
    // comes, after which the directories are fenced and detached whatever holds them.
    hook.after.push_back(stop_replication(ReplicaRole::sender, forced));
  } else if (hook.hook == "stop_second") {
    hook.after.push_back(stop_replication(ReplicaRole::receiver, forced));
  }
  return hook;
}

std::vector<HostStep> steps_without_hook(const RunHook& hook) {
  std::vector<HostStep> steps = hook.before;
  steps.insert(steps.end(), hook.after_success.begin(), hook.after_success.end());
  steps.insert(steps.end(), hook.after.begin(), hook.after.end());
  return steps;
}

std::vector<RunHook> crash_cleanup_hooks(const std::string& died_in) {
  std::vector<RunHook> plan;
  for (const char* hook : {"stop_sec", "stop_prim", "stop_second", "stop_both"})
    plan.push_back(RunHook{hook, {"force", died_in, "STOP", "stop"}, HookPhase::force_stop, {}, {}, {}});
  plan.push_back(RunHook{"poststop", {died_in, "STOP", "stop"}, HookPhase::force_stop, {}, {}, {}});
  return plan;
}

}  // namespace haven::mirror
