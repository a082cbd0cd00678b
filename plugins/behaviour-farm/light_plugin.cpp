// The light behaviour plugin: a module on one node with the farm's automaton (STOP, WAIT,
// UP), its checkers restarting the application locally; no one to share the load with.
#include <memory>

#include "farm_state_machine.hpp"
#include "haven/plugin.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_light(haven::HostContext& /*host*/) {
  return std::make_unique<haven::farm::FarmStateMachine>(haven::PeerDiscovery::none);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindBehaviour, "haven.behaviour.light", "0.1.0",
             "Light module states: STOP, WAIT, UP on one node, checkers restarting the application locally", make_light)
