// keepalived on the same kind of pair as haven's: node1 and node2 of a namespace cluster,
// one VRRP instance moving the same VIP on eth0, and a web server that runs all the time on
// both nodes (keepalived moves the address only, the usual way to deploy it) answering
// "served by <node>" like the haven module's.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "haven/result.hpp"
#include "netns_cluster.hpp"

namespace haven::bench {

struct KeepalivedSettings {
  std::string name = "kafo";       ///< cluster name
  /// VRRP advertisement interval, seconds. VRRPv3 (vrrp_version 3) accepts centiseconds;
  /// the backup declares the master down after 3 x advert_int + skew ((256 - priority) / 256 x advert_int).
  double advert_int = 0.1;
};

class KeepalivedPair {
 public:
  /// Builds a 2-node, 1-client cluster, starts the web servers and keepalived on both nodes
  /// (node1 priority 150, node2 100) and waits until node1 is MASTER with the VIP and node2 BACKUP.
  [[nodiscard]] static Result<std::unique_ptr<KeepalivedPair>> create(const KeepalivedSettings& settings);
  ~KeepalivedPair();
  KeepalivedPair(const KeepalivedPair&) = delete;
  KeepalivedPair& operator=(const KeepalivedPair&) = delete;

  cluster::NetnsCluster& cluster() { return cluster_; }
  const std::string& vip() const { return vip_; }
  std::string netns(const std::string& host) const;
  /// The VRRP state keepalived last reported on node n (MASTER, BACKUP, FAULT, ...), from its notify script.
  std::string vrrp_state(int n) const;
  /// kill -9 of every process in node n's namespace (keepalived and the web server); when
  /// the first SIGKILL went out.
  [[nodiscard]] Result<std::chrono::steady_clock::time_point> kill_node(int n);
  /// Where the configuration, logs and notify files are.
  const std::filesystem::path& work_dir() const { return dir_; }

 private:
  KeepalivedPair(cluster::NetnsCluster cluster, std::filesystem::path dir);
  Status start_node(int n, const KeepalivedSettings& settings);

  cluster::NetnsCluster cluster_;
  std::filesystem::path dir_;
  std::string vip_;
};

/// Whether keepalived can run here (found in /usr/sbin or PATH); the reason when not.
Status keepalived_available();

}  // namespace haven::bench
