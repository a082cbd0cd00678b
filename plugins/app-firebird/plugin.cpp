// The app-firebird plugin: the "firebird" application kind (firebird_app.hpp).
#include <memory>

#include "firebird_app.hpp"
#include "haven/plugin.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_application(haven::HostContext& host) {
  return std::make_unique<haven::firebird::FirebirdApplication>(host);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindApplication, "haven.app.firebird", "0.1.0",
             "Firebird 3: prepare, start, stop (verified) and check a SuperServer of the module's own with libfbclient",
             make_application)
