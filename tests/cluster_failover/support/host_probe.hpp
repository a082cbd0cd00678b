// What the failover tests and bench do to a whole host of a namespace cluster: kill it, and
// ask which addresses it holds.
#pragma once

#include <chrono>
#include <string>

#include "haven/result.hpp"
#include "netns_cluster.hpp"

namespace haven::netns_failover {

/// A host's death short of its kernel: kill -9 of every process in the namespace `netns`,
/// repeated until none is left (20 rounds at most; timeout naming the namespace then). The
/// addresses stay configured, as after a crash of every program of a machine. Returns when
/// the first SIGKILL was sent (steady clock), where a failover measurement starts.
[[nodiscard]] Result<std::chrono::steady_clock::time_point> kill_namespace_processes(const std::string& netns);

/// Whether `address` is configured on an interface of `host` (`ip -j addr show` there).
[[nodiscard]] Result<bool> host_has_address(cluster::NetnsCluster& cluster, const std::string& host,
                                            const std::string& address);

}  // namespace haven::netns_failover
