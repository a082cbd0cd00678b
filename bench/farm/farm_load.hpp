// Requests per second through the farm's VIP with 3, 2 and 1 nodes UP, against one web
// server alone (the same python3 -m http.server, no haven, a plain address) and through
// HAProxy in front of three; and, measured on the farm with equal powers, how many distinct
// client addresses each node served.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "http_load.hpp"

namespace haven::bench {

struct FarmLoadSettings {
  std::filesystem::path build_dir;  ///< haven's programs and plugins
  int connections = 32;             ///< requests in flight at once
  std::chrono::milliseconds duration{5000};
  bool with_haproxy = true;         ///< also the HAProxy row
};

/// One line of the throughput table.
struct LoadRow {
  std::string label;
  LoadResult load;
};

/// How the farm (equal powers, all UP) spread distinct client addresses.
struct ClientSpread {
  std::size_t clients = 0;                         ///< addresses that sent
  std::map<std::string, std::size_t> per_node;     ///< addresses served only by that node
  std::size_t on_several = 0;                      ///< addresses served by more than one node (0 expected)
  std::size_t unserved = 0;
  std::map<std::string, int> owned_buckets;        ///< what each node's agent says it owns
  /// Addresses whose bucket (nft_bucket.hpp) the deal gives each node: what per_node should be.
  std::map<std::string, std::size_t> predicted;
};

struct FarmLoadReport {
  ClientSpread spread;
  std::vector<LoadRow> rows;
};

/// Builds a farm (default counts), measures the spread and the load with 3, 2 then 1 node UP
/// (stopping the module on node3, then node2), then one server alone on node3's address, then
/// (with_haproxy) HAProxy on a cluster of its own. Every cluster is removed before returning.
Result<FarmLoadReport> measure_farm_load(const FarmLoadSettings& settings);

}  // namespace haven::bench
