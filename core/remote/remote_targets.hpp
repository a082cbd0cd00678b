// Which nodes a command runs on, and where their havend listens: pure functions over
// cluster.xml, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/cluster_config.hpp"
#include "haven/result.hpp"

namespace haven {

/// The nodes named by `-H`: "*" is every node of cluster.xml in its order; otherwise a comma
/// list of node names (spaces around names ignored, duplicates dropped, order kept).
/// invalid_argument for an empty list or item; not_found for a name that is not a node,
/// naming the nodes there are.
[[nodiscard]] Result<std::vector<std::string>> parse_targets(std::string_view spec,
                                                             const std::vector<std::string>& cluster_nodes);

/// The addresses to reach `node`'s havend, one per lan in cluster.xml order, without
/// duplicates or IPv6 brackets. Empty when the node is unknown.
std::vector<std::string> node_addresses(const config::ClusterConfig& cluster, std::string_view node);

/// The addresses `node`'s own havend listens on: its laddr on each lan when it has one (the
/// address behind NAT), else its addr.
std::vector<std::string> listen_addresses(const config::ClusterConfig& cluster, std::string_view node);

}  // namespace haven
