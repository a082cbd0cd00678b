// cluster.xml as a file a node is given: checked for this node, signed so that nodes can be
// compared, and installed without ever leaving a half-written file (the previous one kept).
// Used by `haven cluster config|confcheck|confinfo` and by havend when another node pushes
// its cluster.xml (`haven -H NODES -G`).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/haven_paths.hpp"
#include "config/cluster_config.hpp"
#include "haven/result.hpp"

namespace haven::config {

/// The configuration's signature: the first 8 bytes of SHA-256 of the file's bytes, in hex.
/// Two nodes with the same signature have byte-identical cluster.xml.
std::string cluster_config_signature(std::string_view xml_text);

/// Parses `xml_text` (named `label` in messages) and checks that `node` is one of its nodes
/// (skipped when `node` is empty). invalid_argument lists every error with its line, or says
/// which nodes the file names when `node` is not among them.
Result<ClusterConfig> check_cluster_config_for(std::string_view xml_text, const std::string& label,
                                               const std::string& node);

/// Writes `xml_text` as this node's cluster.xml, atomically and synced; an existing file is
/// kept beside it as cluster.xml.previous. Creates the folder.
Status install_cluster_config(const HavenPaths& paths, std::string_view xml_text);

/// Removes cluster.xml (kept as cluster.xml.previous) and, when `with_key`, the cluster key.
/// Nothing to remove is not an error.
Status remove_cluster_config(const HavenPaths& paths, bool with_key);

}  // namespace haven::config
