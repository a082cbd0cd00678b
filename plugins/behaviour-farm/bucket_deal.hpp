// How a farm deals the 256 buckets of a load-balancing group over the nodes that share it.
//
// Every node computes the deal from the same membership, so it must depend on nothing else:
// the members' names and powers. Shares follow power (largest remainders, ties by name); a
// node whose power is 64 or more times below the strongest member's takes no share while
// that member is there, which gives the seed product's chain HA (powers 1, 64, 64^2: strict
// priority). Which buckets a node gets is chosen by a hash of (node, bucket) ranked per
// bucket, so that a node leaving mostly moves only its own buckets.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "haven/behaviour.hpp"

namespace haven::farm {

using BucketSet = std::bitset<kLoadBuckets>;

/// Powers at or above this ratio to a member's give that member no share.
inline constexpr std::int64_t kPriorityRatio = 64;

/// The deal: each member's buckets. Every bucket has exactly one owner when `members` is not
/// empty; the result does not depend on the order of `members` (duplicates count once).
/// `power` gives each node's power; a node missing from it, or with a power below 1, has 1.
std::map<std::string, BucketSet> deal_buckets(const std::vector<std::string>& members,
                                              const std::map<std::string, std::int64_t>& power);

}  // namespace haven::farm
