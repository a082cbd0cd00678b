// Support and diagnostics: `haven snapshot` (a zip for a support request), `haven dump` (a
// folder with what a module is doing now) and `haven -p` (the node's folders).
#pragma once

#include <string>
#include <vector>

#include "cli_context.hpp"

namespace haven::cli {

/// Adds `snapshot` (snapshot_commands.cpp).
void add_snapshot_command(CLI::App& app, CliContext& ctx);

/// Adds `dump` (dump_commands.cpp).
void add_dump_command(CLI::App& app, CliContext& ctx);

/// Prints the node's folders for `haven -p` (text or, with --json, JSON).
void print_node_folders(CliContext& ctx);

/// The modules a diagnostic command covers: `module` when given (not_found, naming the
/// installed ones, when it is not installed), else every installed module.
Result<std::vector<std::string>> diagnosed_modules(const CliContext& ctx, const std::string& module);

}  // namespace haven::cli
