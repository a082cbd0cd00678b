// When a checker runs, by its `when` (checkers) or `class` (errd), as the seed product
// starts and stops them around the hooks. Pure.
#pragma once

#include <set>
#include <string>

#include "config/user_config.hpp"
#include "haven/behaviour.hpp"

namespace haven::checks {

/// True in the states where the module runs in a role: PRIM, ALONE, SECOND, UP (not STOP or
/// WAIT), whatever the sub-state.
bool in_role(ModuleState state);

/// True when a checker with this `when`/class runs while the module is in this state:
/// prim in PRIM/ALONE Ready (after start_prim, before stop_prim); second (and sec) in SECOND
/// Ready; both in PRIM, ALONE, SECOND or UP Ready; pre whenever the module runs (from before
/// prestart to after poststop); a custom errd class only while enabled with `haven errd enable`.
bool is_active(config::ActiveWhen when, const std::string& custom_class, ModuleState state, SubState sub,
               const std::set<std::string>& enabled_classes);

}  // namespace haven::checks
