// The nftables scripts that partition a cluster's switch: bridge-family rules dropping every
// frame forwarded between two ports of different groups. Pure text, applied with `nft -f -`
// in the switch namespace, each as one transaction.
#pragma once

#include <string>
#include <vector>

#include "cluster_layout.hpp"
#include "haven/result.hpp"

namespace haven::cluster {

/// The nftables table the partition rules live in (family bridge, switch namespace only).
inline constexpr const char* kPartitionTable = "haven_partition";

/// Replaces any partition with `groups`: hosts of one group reach each other, no frame crosses
/// between groups, on every lan. A host named in no group is alone in a group of its own.
/// invalid_argument naming the host when one is unknown or named twice.
Result<std::string> partition_script(const Layout& layout, const std::vector<std::vector<std::string>>& groups);

/// Removes the partition (a no-op when there is none).
std::string heal_script();

}  // namespace haven::cluster
