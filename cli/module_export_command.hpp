// `haven -H NODES -E M` (main turns -E into the hidden command module-export): this node's
// installed module, packed and sent to each node's havend over the channel authenticated
// with the cluster key, installed there with the same id and configured.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_context.hpp"

namespace haven::cli {

/// The largest archive -E sends: its base64 text, with the request around it, must fit in
/// one remote frame (kMaxRemoteFrameSize, 1 MiB).
inline constexpr std::size_t kMaxExportedArchiveBytes = 640 * 1024;

/// Adds the hidden command module-export.
void add_module_export_command(CLI::App& app, CliContext& ctx);

}  // namespace haven::cli
