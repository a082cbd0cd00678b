// The script-cmd plugin: runs legacy Windows batch hooks (bin/<hook>.cmd, .bat) on Linux.
#include <memory>

#include "cmd_script_engine.hpp"
#include "haven/plugin.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_engine(haven::HostContext& host) {
  return std::make_unique<haven::cmd::CmdScriptEngine>(host);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindScriptEngine, "haven.script.cmd", "0.1.0",
             "Runs module hooks written as Windows batch files (.cmd, .bat) with a cmd.exe-compatible interpreter",
             make_engine)
