// cluster.xml: the nodes of a cluster and their addresses on each lan.
//
//   <cluster><lans port="4800" pulse="100" mlost_count="20" slost_count="10">
//     <lan name="default" command="on"><node name="node1" addr="192.168.1.67" laddr="..."/>...</lan>
//   </lans></cluster>
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "haven/result.hpp"

namespace haven::config {

struct ClusterNode {
  std::string name;
  std::string addr;   ///< IPv4, [IPv6] or DNS name
  std::string laddr;  ///< local address behind NAT; empty when none
  int line = 0;
};

struct ClusterLan {
  std::string name;
  bool command = false;  ///< carries distributed commands; see ClusterConfig::command_lan
  std::vector<ClusterNode> nodes;
  int line = 0;
};

struct ClusterConfig {
  int port = 4800;                        ///< UDP membership port
  std::chrono::milliseconds pulse{100};   ///< bare number: ms
  int mlost_count = 20;
  int slost_count = 10;
  std::vector<ClusterLan> lans;

  /// Every node name, in order of first appearance.
  std::vector<std::string> node_names() const;
  /// The node's address on the lan; nullopt when either is unknown.
  std::optional<std::string> address_of(std::string_view node, std::string_view lan) const;
  /// The lan marked command="on", else the first one; nullptr when there is no lan.
  const ClusterLan* command_lan() const;
};

struct LoadedClusterConfig {
  std::optional<ClusterConfig> config;  ///< present exactly when there is no error
  std::vector<Diagnostic> diagnostics;  ///< ordered by line
  bool has_errors() const;
};

/// Parses cluster.xml text (typographic quotes accepted, as in userconfig.xml). Errors:
/// no lan, a lan or node without name, a lan name twice, a node twice on one lan, two
/// nodes with one address on a lan, a bad address, more than one command lan. Warnings:
/// a node missing from the command lan (other lans may hold a pair of nodes each), unknown
/// elements and attributes. `%NAME%` expands from `env`.
LoadedClusterConfig parse_cluster_config(std::string_view xml_text, const std::string& file_label,
                                         const std::map<std::string, std::string>& env);

/// Reads and parses a file; an unreadable file is one error naming it.
LoadedClusterConfig load_cluster_config(const std::filesystem::path& file,
                                        const std::map<std::string, std::string>& env);

/// load_cluster_config as a Result for the daemon, agent and CLI: not_found naming the file
/// when it does not exist, invalid_argument listing every error when it is wrong.
Result<ClusterConfig> read_cluster_config(const std::filesystem::path& file,
                                          const std::map<std::string, std::string>& env);

}  // namespace haven::config
