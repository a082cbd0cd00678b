// Ports of this binary's test cases: each case has its own heartbeat and node-to-node
// ports, so a case never hears a node left over from another, and none collides with
// module_lifecycle (28871) or remote_commands, which ctest may run at the same time.
#pragma once

#include "mirror_pair_nodes.hpp"

namespace haven::test::ports {

inline constexpr int kFirstStart = 28901;
inline constexpr int kFailover = 28902;
inline constexpr int kStopstart = 28903;
inline constexpr int kSwap = 28904;
inline constexpr int kDefaultprim = 28905;
inline constexpr int kStale = 28906;
inline constexpr int kWrongKey = 28907;
inline constexpr int kHookOrder = 28908;
inline constexpr int kNoKey = 28909;
inline constexpr int kCrashCleanup = 28910;
inline constexpr int kResources = 28911;
inline constexpr int kFailoverOff = 28912;

/// The node-to-node (cluster.xml <lans port>) port that goes with a heartbeat port.
constexpr int cluster_port(int heart_port) { return heart_port + 50; }

/// Default pair settings on a case's own ports.
inline MirrorPairSettings settings_on(int heart_port) {
  MirrorPairSettings s;
  s.heart_port = heart_port;
  s.cluster_port = cluster_port(heart_port);
  return s;
}

}  // namespace haven::test::ports
