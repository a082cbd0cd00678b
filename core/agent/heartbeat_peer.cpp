#include "agent/heartbeat_peer.hpp"

#include <algorithm>

namespace haven {
namespace {

std::string joined(const std::vector<std::string>& items, bool quoted) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += quoted ? "\"" + item + "\"" : item;
  }
  return out;
}

void add_unique(std::vector<std::string>& out, const std::string& item) {
  if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
}

// "<whose> heartbeat lan(s) "a", "b"" or, without <heartbeat>, how the lans were chosen.
std::string lans_phrase(const std::string& whose, const std::vector<std::string>& lans, bool from_heart) {
  const std::string list = (lans.size() == 1 ? "lan " : "lans ") + joined(lans, true);
  return from_heart ? whose + " heartbeat " + list
                    : whose + " " + list + " (every lan of cluster.xml: the module has no <heartbeat name>)";
}

}  // namespace

Result<std::optional<HeartbeatPeer>> choose_heartbeat_peer(const config::ClusterConfig& cluster,
                                                           const std::vector<std::string>& heartbeat_lans,
                                                           const std::string& local_node, const std::string& module,
                                                           const std::string& cluster_file) {
  const bool from_heart = !heartbeat_lans.empty();
  std::vector<std::string> lans;
  if (from_heart)
    for (const auto& name : heartbeat_lans) add_unique(lans, name);
  else
    for (const auto& lan : cluster.lans) lans.push_back(lan.name);

  // Every node present on the module's lans, in cluster.xml's order.
  std::vector<std::string> present;
  for (const auto& name : lans) {
    auto lan = std::find_if(cluster.lans.begin(), cluster.lans.end(),
                            [&](const config::ClusterLan& l) { return l.name == name; });
    if (lan == cluster.lans.end()) {
      std::vector<std::string> defined;
      for (const auto& l : cluster.lans) defined.push_back(l.name);
      return fail(Errc::invalid_argument, "module " + module + "'s heartbeat lan \"" + name + "\" is not a lan of " +
                                              cluster_file + " (its lans: " + joined(defined, true) +
                                              "); fix <heartbeat name> in the module's userconfig.xml, or add the lan "
                                              "to cluster.xml on every node");
    }
    for (const auto& n : lan->nodes) add_unique(present, n.name);
  }

  if (std::find(present.begin(), present.end(), local_node) == present.end())
    return fail(Errc::invalid_argument,
                "node " + local_node + " is not on " + lans_phrase("module " + module + "'s", lans, from_heart) +
                    " in " + cluster_file + " (nodes there: " + joined(present, false) +
                    "); run the module on those nodes, or add node " + local_node +
                    " to the lan in cluster.xml on every node");
  std::vector<std::string> others;
  for (const auto& n : present)
    if (n != local_node) others.push_back(n);
  if (others.empty()) return std::optional<HeartbeatPeer>{};
  if (others.size() > 1)
    return fail(Errc::invalid_argument,
                "module " + module + " runs on two nodes, but " + lans_phrase("its", lans, from_heart) + " in " +
                    cluster_file + (lans.size() == 1 ? " holds " : " hold ") + std::to_string(present.size()) +
                    " nodes (" + joined(present, false) + "); give each pair of nodes a lan of its own in cluster.xml "
                    "(e.g. <lan name=\"" + local_node + "-" + others.front() + "\"> holding those two nodes, with the "
                    "same or other addresses) and name it in the module's <heart><heartbeat name=\"...\"/></heart>");

  HeartbeatPeer peer;
  peer.node = others.front();
  for (const auto& lan : lans) {
    auto local = cluster.address_of(local_node, lan);
    auto remote = cluster.address_of(peer.node, lan);
    if (!local || !remote)
      return fail(Errc::invalid_argument, "node " + (!local ? local_node : peer.node) + " has no address on lan \"" +
                                              lan + "\" in " + cluster_file + ", one of module " + module +
                                              "'s heartbeat lans; add the node to that lan, or leave the lan out of "
                                              "the module's <heart>");
    peer.lans.push_back({lan, *local, *remote});
  }
  return std::optional<HeartbeatPeer>{std::move(peer)};
}

}  // namespace haven
