// The zip an administrator carries to a new node: cluster.xml and, optionally, cluster.key
// (`haven cluster config FILE.zip`), at the top of the zip or inside one folder.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "haven/result.hpp"

namespace haven::cli {

struct ClusterBundle {
  std::string cluster_xml;
  std::optional<std::string> cluster_key;  ///< the key file's text, when the zip has one
};

/// Reads `zip`. Errors name the zip and the entry: not a readable archive, no cluster.xml, a
/// member twice, a member over 1 MiB, more than 64 entries.
Result<ClusterBundle> read_cluster_bundle(const std::filesystem::path& zip);

}  // namespace haven::cli
