// `haven boot on|off|status [-m M]`: whether havend starts a module when the node boots.
#pragma once

#include "cli_context.hpp"

namespace haven::cli {

/// Adds the `boot` subcommand (sent to havend: control/command_registry.hpp, "boot").
void add_boot_commands(CLI::App& app, CliContext& ctx);

}  // namespace haven::cli
