// A haven farm of three havend in network namespaces, as tests/cluster_failover/
// test_farm_netns builds it: the farm web module (support/web_module.hpp, python3 -m
// http.server on every UP node, VIP 198.51.100.50 vmac_invisible, buckets by source
// address) started on every node, and the bench's client addresses on client1.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "failover_pair.hpp"
#include "haven/result.hpp"

namespace haven::bench {

inline constexpr int kFarmNodes = 3;
inline constexpr const char* kFarmModule = "farmweb";

struct HavenFarmSpec {
  std::string name;                    ///< cluster name, [a-z0-9]{1,16}
  std::filesystem::path build_dir;     ///< havend, haven and the plugins
  std::string pulse = "100ms";         ///< <farm pulse>
  int slost_count = 10;                ///< <farm slost_count>: the farm's default
  int mlost_count = 20;                ///< <farm mlost_count>: the farm's default
  std::vector<std::string> sources;    ///< client1's addresses (client_addresses.hpp)
};

/// Builds the cluster, installs and starts the module on every node and waits (30 s at most
/// for UP Ready, 15 s for the deal) until the three nodes own all 256 buckets between them.
/// The error names the step, with the nodes' logs.
[[nodiscard]] Result<std::unique_ptr<netns_failover::FailoverPair>> start_haven_farm(const HavenFarmSpec& spec);

/// The buckets of group FarmProto_0 node n's agent says it serves; -1 when it says none.
int owned_buckets(netns_failover::FailoverPair& farm, int n);

/// Waits until the nodes in `serving` own every bucket between them and the others none;
/// timeout naming what each node owns when they do not within `timeout`.
[[nodiscard]] Status wait_for_deal(netns_failover::FailoverPair& farm, const std::set<int>& serving,
                                   std::chrono::milliseconds timeout);

/// The last lines of every node's module log, for failure messages.
std::string farm_logs(netns_failover::FailoverPair& farm);

}  // namespace haven::bench
