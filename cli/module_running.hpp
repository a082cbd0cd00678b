// Whether a module runs on this node, as havend sees it: what module commands that change a
// module's files (replace, uninstall, config, deconfig) ask before they act.
#pragma once

#include <optional>
#include <string>

#include "cli_context.hpp"

namespace haven::cli {

/// The module's state ("ALONE", "WAIT", ...) with its substate when it is not STOP; nullopt
/// when it is stopped or havend does not answer (then no agent of this node runs it).
std::optional<std::string> running_state(const CliContext& ctx, const std::string& module);

/// running_state() has a value.
bool module_running(const CliContext& ctx, const std::string& module);

}  // namespace haven::cli
