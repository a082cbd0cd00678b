#include "remote/remote_targets.hpp"

#include <algorithm>

namespace haven {
namespace {

std::string unbracket(std::string addr) {
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') return addr.substr(1, addr.size() - 2);
  return addr;
}

void add_unique(std::vector<std::string>& list, std::string item) {
  if (!item.empty() && std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

Result<std::vector<std::string>> parse_targets(std::string_view spec, const std::vector<std::string>& cluster_nodes) {
  if (trim(spec) == "*") {
    if (cluster_nodes.empty()) return fail(Errc::not_found, "-H \"*\": cluster.xml lists no node");
    return cluster_nodes;
  }
  std::vector<std::string> targets;
  std::size_t start = 0;
  while (true) {
    const auto comma = spec.find(',', start);
    const std::string name = trim(spec.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (name.empty())
      return fail(Errc::invalid_argument, "-H \"" + std::string(spec) +
                                              "\": an empty node name; expected \"*\" or node names separated by commas");
    if (std::find(cluster_nodes.begin(), cluster_nodes.end(), name) == cluster_nodes.end())
      return fail(Errc::not_found, "-H: \"" + name + "\" is not a node of cluster.xml (its nodes: " + joined(cluster_nodes) + ")");
    add_unique(targets, name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return targets;
}

std::vector<std::string> node_addresses(const config::ClusterConfig& cluster, std::string_view node) {
  std::vector<std::string> out;
  for (const auto& lan : cluster.lans)
    for (const auto& n : lan.nodes)
      if (n.name == node) add_unique(out, unbracket(n.addr));
  return out;
}

std::vector<std::string> listen_addresses(const config::ClusterConfig& cluster, std::string_view node) {
  std::vector<std::string> out;
  for (const auto& lan : cluster.lans)
    for (const auto& n : lan.nodes)
      if (n.name == node) add_unique(out, unbracket(n.laddr.empty() ? n.addr : n.laddr));
  return out;
}

}  // namespace haven
