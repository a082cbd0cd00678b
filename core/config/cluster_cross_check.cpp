#include "config/cluster_cross_check.hpp"

#include <algorithm>

namespace haven::config {
namespace {

std::string quoted_list(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

class CrossCheck {
 public:
  CrossCheck(const ClusterConfig& cluster, std::string file, std::string cluster_file)
      : file_(std::move(file)), cluster_file_(std::move(cluster_file)) {
    for (const auto& lan : cluster.lans) lans_.push_back(lan.name);
    nodes_ = cluster.node_names();
  }

  void lan(const std::string& name, int line, const std::string& path, const std::string& role) {
    if (std::find(lans_.begin(), lans_.end(), name) != lans_.end()) return;
    warn(line, path, role + " \"" + name + "\" is not a lan of " + cluster_file_ + " (its lans: " + quoted_list(lans_) +
                         "); the module cannot start on this node until the names agree");
  }

  void node(const std::string& name, int line, const std::string& path) {
    if (std::find(nodes_.begin(), nodes_.end(), name) != nodes_.end()) return;
    warn(line, path, "host \"" + name + "\" is not a node of " + cluster_file_ + " (its nodes: " + quoted_list(nodes_) +
                         "); its power is never used");
  }

  std::vector<Diagnostic> take() { return std::move(out_); }

 private:
  void warn(int line, const std::string& path, std::string message) {
    Diagnostic d;
    d.severity = Severity::warning;
    d.file = file_;
    d.line = line;
    d.path = path;
    d.message = std::move(message);
    out_.push_back(std::move(d));
  }

  std::string file_;
  std::string cluster_file_;
  std::vector<std::string> lans_;
  std::vector<std::string> nodes_;
  std::vector<Diagnostic> out_;
};

}  // namespace

std::vector<Diagnostic> check_against_cluster(const UserConfig& config, const ClusterConfig& cluster,
                                              const std::string& file, const std::string& cluster_file) {
  CrossCheck check(cluster, file, cluster_file);
  if (config.heart)
    for (const auto& hb : config.heart->heartbeats)
      check.lan(hb.name, hb.line, "safe/service/heart/heartbeat@name", "<heartbeat name>");
  if (config.farm)
    for (const auto& lan : config.farm->lans) check.lan(lan, config.farm->line, "safe/service/farm/lan@name", "<lan name>");
  if (config.rfs && !config.rfs->flow.empty())
    check.lan(config.rfs->flow, config.rfs->line, "safe/service/rfs/flow@name", "<flow name>");
  if (config.vip)
    for (const auto& group : config.vip->groups)
      for (const auto& host : group.hosts)
        check.node(host.name, group.line, "safe/service/vip/loadbalancing_list/group/cluster/host@name");
  return check.take();
}

}  // namespace haven::config
