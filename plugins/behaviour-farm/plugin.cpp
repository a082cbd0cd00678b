// The farm behaviour plugin: one FarmStateMachine per module in farm mode, and per module in
// light mode (one node, the same automaton with no one to share the load with).
#include <memory>

#include "farm_state_machine.hpp"
#include "haven/plugin.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_farm(haven::HostContext& /*host*/) {
  return std::make_unique<haven::farm::FarmStateMachine>();
}

}  // namespace

HAVEN_PLUGIN(haven::kKindBehaviour, "haven.behaviour.farm", "0.1.0",
             "Farm module states: STOP, WAIT, UP, the load dealt over the UP nodes by power", make_farm)
