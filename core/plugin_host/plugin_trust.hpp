// Whether a plugin file may be loaded into a process that runs as root: haven runs a plugin's
// code with its own rights, so whoever can replace the file or its folder owns the node.
#pragma once

#include <filesystem>

#include "haven/result.hpp"

namespace haven {

/// ok when `file` (after links) and the folder that holds it are owned by root or by the
/// user this process runs as, and neither is writable by group or others. refused otherwise,
/// naming the file or folder, its owner and mode, and the command that fixes it.
Status check_plugin_trust(const std::filesystem::path& file);

}  // namespace haven
