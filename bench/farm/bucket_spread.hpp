// How the farm's deal (plugins/behaviour-farm/bucket_deal) spreads the 256 buckets of a group
// over three nodes for a given set of powers, and how many buckets move when one node
// leaves. Pure: it calls deal_buckets and counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace haven::bench {

/// The powers of node1..node3 and what the deal gives them.
struct BucketSpread {
  std::string label;                    ///< "equal (1,1,1)"
  std::vector<std::int64_t> powers;     ///< powers[i] is node(i+1)'s
  std::vector<std::size_t> buckets;     ///< buckets[i]: node(i+1)'s count with every node present
  std::vector<std::size_t> without_last;  ///< the counts of node1..node(N-1) once the last node left
  /// Buckets that changed owner when the last node left although that node did not own them
  /// (0 for a deal that moves only the leaver's buckets).
  std::size_t moved_needlessly = 0;
};

/// The deal for `powers` (node1, node2, ... in order), all present and without the last one.
BucketSpread spread_of(const std::string& label, const std::vector<std::int64_t>& powers);

/// The three settings issue 16 asks about: equal (1,1,1), unequal (1,2,3), chain HA (1,64,4096).
std::vector<BucketSpread> issue16_spreads();

}  // namespace haven::bench
