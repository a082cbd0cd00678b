// The script-sh plugin: runs hooks written as POSIX shell scripts (bin/<hook>.sh, or an
// executable bin/<hook> without extension, as the seed product's Linux modules have them).
#include <memory>

#include "haven/plugin.hpp"
#include "shell_script_engine.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_engine(haven::HostContext& host) {
  return std::make_unique<haven::sh::ShellScriptEngine>(host);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindScriptEngine, "haven.script.sh", "0.1.0",
             "Runs module hooks written as POSIX shell scripts (.sh, or executable without extension)", make_engine)
