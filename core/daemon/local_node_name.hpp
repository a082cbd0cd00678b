// Which node of the cluster this daemon is.
#pragma once

#include <string>

#include "common/haven_paths.hpp"
#include "haven/result.hpp"

namespace haven {

/// `--node` when given; else the node of cluster.xml with an address on this machine;
/// else the host name (a node without cluster.xml runs modules alone).
Result<std::string> local_node_name(const HavenPaths& paths, const std::string& flag);

}  // namespace haven
