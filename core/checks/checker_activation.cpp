#include "checks/checker_activation.hpp"

namespace haven::checks {

bool in_role(ModuleState state) {
  return state == ModuleState::prim || state == ModuleState::alone || state == ModuleState::second ||
         state == ModuleState::up;
}

bool is_active(config::ActiveWhen when, const std::string& custom_class, ModuleState state, SubState sub,
               const std::set<std::string>& enabled_classes) {
  const bool running = state != ModuleState::stop;
  const bool ready = sub == SubState::ready;
  // Where the application runs: a mirror's primary, or any UP node of a farm or light module.
  const bool primary = state == ModuleState::prim || state == ModuleState::alone || state == ModuleState::up;
  switch (when) {
    case config::ActiveWhen::pre: return running;
    case config::ActiveWhen::prim: return primary && ready;
    case config::ActiveWhen::second:
    case config::ActiveWhen::sec: return state == ModuleState::second && ready;
    case config::ActiveWhen::both:
      return ready && in_role(state);
    case config::ActiveWhen::custom: return running && enabled_classes.count(custom_class) != 0;
  }
  return false;
}

}  // namespace haven::checks
