#include "agent/membership_peers.hpp"

#include <algorithm>

namespace haven {
namespace {

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "\"" : ", \"") + item + "\"";
  return out;
}

const config::ClusterLan* lan_named(const config::ClusterConfig& cluster, const std::string& name) {
  auto it = std::find_if(cluster.lans.begin(), cluster.lans.end(),
                         [&](const config::ClusterLan& l) { return l.name == name; });
  return it == cluster.lans.end() ? nullptr : &*it;
}

const config::ClusterNode* node_on(const config::ClusterLan& lan, const std::string& node) {
  auto it = std::find_if(lan.nodes.begin(), lan.nodes.end(),
                         [&](const config::ClusterNode& n) { return n.name == node; });
  return it == lan.nodes.end() || it->addr.empty() ? nullptr : &*it;
}

}  // namespace

Result<MembershipPeers> choose_membership_peers(const config::ClusterConfig& cluster,
                                                const std::vector<std::string>& farm_lans,
                                                const std::string& local_node, const std::string& module,
                                                const std::string& cluster_file) {
  const bool named = !farm_lans.empty();
  std::vector<std::string> lans;
  for (const auto& name : farm_lans)
    if (std::find(lans.begin(), lans.end(), name) == lans.end()) lans.push_back(name);
  if (!named)
    for (const auto& lan : cluster.lans) lans.push_back(lan.name);

  std::vector<const config::ClusterLan*> chosen;
  for (const auto& name : lans) {
    const config::ClusterLan* lan = lan_named(cluster, name);
    if (lan == nullptr) {
      std::vector<std::string> defined;
      for (const auto& l : cluster.lans) defined.push_back(l.name);
      return fail(Errc::invalid_argument, "farm module " + module + "'s lan \"" + name + "\" is not a lan of " +
                                              cluster_file + " (its lans: " + quoted_list(defined) +
                                              "); fix <farm><lan name> in the module's userconfig.xml, or add the "
                                              "lan to cluster.xml on every node");
    }
    chosen.push_back(lan);
  }
  const auto holds_this_node = [&](const config::ClusterLan* l) { return node_on(*l, local_node) != nullptr; };
  if (std::none_of(chosen.begin(), chosen.end(), holds_this_node))
    return fail(Errc::invalid_argument,
                "node " + local_node + " is on none of farm module " + module + "'s lans " + quoted_list(lans) +
                    (named ? "" : " (every lan of cluster.xml: the module has no <farm><lan name>)") + " in " +
                    cluster_file + "; add node " + local_node +
                    " to the lan in cluster.xml on every node, or run the module only on the nodes listed there");

  MembershipPeers out;
  for (const config::ClusterLan* lan : chosen) {
    const config::ClusterNode* self = node_on(*lan, local_node);
    if (self == nullptr) {
      if (!named) continue;  // a lan of other nodes, e.g. a mirror pair's own
      return fail(Errc::invalid_argument, "node " + local_node + " has no address on lan \"" + lan->name + "\" in " +
                                              cluster_file + ", one of farm module " + module +
                                              "'s lans; add the node to that lan in cluster.xml on every node, or "
                                              "leave the lan out of the module's <farm>");
    }
    MembershipLanEnds ends{lan->name, self->addr, {}};
    for (const auto& n : lan->nodes)
      if (n.name != local_node && !n.addr.empty()) ends.peers.push_back({n.name, n.addr});
    out.lans.push_back(std::move(ends));
  }

  for (const auto& node : cluster.node_names()) {
    const bool member = std::any_of(out.lans.begin(), out.lans.end(), [&](const MembershipLanEnds& l) {
      return std::any_of(l.peers.begin(), l.peers.end(), [&](const MembershipPeerAddress& p) { return p.node == node; });
    });
    if (member) out.nodes.push_back(node);
  }
  return out;
}

}  // namespace haven
