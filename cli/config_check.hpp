// `haven config check`: what the loader says about a module's configuration.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"

namespace haven::cli {

/// Loads a userconfig.xml file, with the process environment for %NAME% expansion, has each
/// checker element validated by the plugin that owns it (the plugins this node loads) and
/// the failover rules compiled, and returns every diagnostic, ordered by line. When
/// `cluster_file` exists, the lans and nodes the module names are checked against it
/// (check_against_cluster); a cluster.xml that does not load is left to `cluster confcheck`.
std::vector<config::Diagnostic> check_user_config_file(const std::filesystem::path& file,
                                                       const std::filesystem::path& cluster_file = {});
/// The same for userconfig.xml text read from elsewhere (an archive); `label` names it.
std::vector<config::Diagnostic> check_user_config_text(const std::string& text, const std::string& label,
                                                       const std::filesystem::path& cluster_file = {});
/// How many of the diagnostics are errors.
int count_errors(const std::vector<config::Diagnostic>& diagnostics);

}  // namespace haven::cli
