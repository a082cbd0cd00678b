// A module's configuration on a node: `haven config -m M` (apply it), `haven confinfo -m M`
// (active and current signatures), `haven deconfig -m M` (forget it), `haven update -m M`
// (apply to a running module what the seed allows). On this node they act on its files;
// under `-H` (a child with --target) they ask that node's havend to do the same.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_context.hpp"

namespace haven::cli {

/// Adds `-m MODULE` to `config` (which then needs no subcommand): apply the module's configuration.
void add_config_module_option(CLI::App* config, CliContext& ctx);

/// Adds confinfo, deconfig and update.
void add_module_config_commands(CLI::App& app, CliContext& ctx);

}  // namespace haven::cli
