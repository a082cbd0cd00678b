// What a module's userconfig.xml names in cluster.xml, checked against the cluster.xml of the
// node that checks it: heartbeat and farm lans, the replication flow lan, and the nodes of
// the load-balancing groups. Pure: both files are already read.
#pragma once

#include <string>
#include <vector>

#include "config/cluster_config.hpp"
#include "config/diagnostic.hpp"
#include "config/user_config.hpp"

namespace haven::config {

/// One warning per name that `cluster` does not define, with the userconfig.xml line and what
/// cluster.xml has instead. Warnings, not errors: a module may be checked on a node whose
/// cluster.xml is not the one it will run with; the agent refuses to start with the same
/// finding. `file` and `cluster_file` are the names shown.
std::vector<Diagnostic> check_against_cluster(const UserConfig& config, const ClusterConfig& cluster,
                                              const std::string& file, const std::string& cluster_file);

}  // namespace haven::config
