// The mirror behaviour plugin: one MirrorStateMachine per module that runs in mirror mode.
#include <memory>

#include "haven/plugin.hpp"
#include "mirror_state_machine.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_mirror(haven::HostContext& /*host*/) {
  return std::make_unique<haven::mirror::MirrorStateMachine>();
}

}  // namespace

HAVEN_PLUGIN(haven::kKindBehaviour, "haven.behaviour.mirror", "0.1.0",
             "Mirror module states: STOP, WAIT, ALONE, PRIM, SECOND, with the seed product's hook order",
             make_mirror)
