// The sending end of the node-to-node command channel: havend relays a request to another
// node's havend and returns its authenticated answer.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "control/control_message.hpp"
#include "heartbeat/cluster_key.hpp"

namespace haven {

/// Where a node's havend listens: its addresses in cluster.xml order, and the port.
struct RemoteNode {
  std::string name;
  std::vector<std::string> addresses;
  int port = 4800;
};

/// Sends `request`, signed as `sender` with `key`, to the first address of `target` that
/// accepts a connection (the next one is tried only when connecting fails, so a request is
/// never run twice), and returns the verified answer. Errors, each naming the node:
/// io_error when no address could be reached (with each address and why), refused when the
/// node refused the request (its reason: another cluster key, clock skew, ...), timeout when
/// no answer came within `timeout`, and refused when the answer fails authentication. The
/// request is addressed to `target.name`, and only an answer that node signed for `sender`
/// is accepted.
[[nodiscard]] Result<ControlResponse> send_remote_request(const RemoteNode& target, const ControlRequest& request,
                                                          const std::string& sender, const ClusterKey& key,
                                                          std::chrono::milliseconds timeout);

/// What an administrator should do about a refusal a peer sent back (its reason's name).
std::string explain_peer_refusal(const std::string& reason, const std::string& node);

}  // namespace haven
