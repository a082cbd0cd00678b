// The client addresses the farm bench sends from, and putting them on the client host.
//
// The harness's lan1 is 198.51.100.0/25; client1 is .101 and .102-.126 are free with one
// client host: 26 addresses. For the spread and the load, 126 more come from
// 198.51.100.128/25, which a one-lan cluster leaves unused: they go on client1's eth0 as /32s
// and every server host gets an on-link route to that /25 so that its answers find them.
#pragma once

#include <string>
#include <vector>

#include "haven/result.hpp"
#include "netns_cluster.hpp"

namespace haven::bench {

/// 198.51.100.101 .. .126: client1's own address first.
std::vector<std::string> lan1_client_sources();

/// lan1_client_sources() then 198.51.100.129 .. .254: 152 addresses.
std::vector<std::string> wide_client_sources();

/// Adds `sources` (but client1's own) to client1's eth0 (.0/25 ones as /25, the others as
/// /32) and, when one of them is outside lan1, the route 198.51.100.128/25 dev eth0 on every
/// host of `servers`. One `ip -batch` per host; the error names the host and ip's words.
[[nodiscard]] Status add_client_sources(cluster::NetnsCluster& cluster, const std::vector<std::string>& sources,
                                        const std::vector<std::string>& servers);

}  // namespace haven::bench
