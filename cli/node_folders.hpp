// `haven -p`: where this node keeps things, as the seed's `safekit -p` prints its folders.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/haven_paths.hpp"

namespace haven::cli {

/// Pure: the node's folders as JSON: SAFE, SAFEBIN, SAFEVAR (as hooks get them), binaries,
/// plugins (the search path, in order), shipped_modules, modules (installed), state, var,
/// config, cluster_config, cluster_key, run, logs, module_logs, and root (null for the
/// system layout). `bin_dir` is the folder of the haven programs.
nlohmann::json node_folders_json(const HavenPaths& paths, const std::filesystem::path& bin_dir,
                                 const std::vector<std::filesystem::path>& plugin_path);

/// Pure: the same as shell assignments, one per line (`SAFE=/usr/bin/`, `HAVEN_LOG=/var/log/haven`,
/// values quoted when they need it), so that `eval "$(haven -p)"` sets them.
std::string node_folders_text(const nlohmann::json& folders);

}  // namespace haven::cli
