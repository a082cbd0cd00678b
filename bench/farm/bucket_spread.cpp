#include "bucket_spread.hpp"

#include <map>

#include "bucket_deal.hpp"

namespace haven::bench {
namespace {

std::string node_name(std::size_t i) { return "node" + std::to_string(i + 1); }

}  // namespace

BucketSpread spread_of(const std::string& label, const std::vector<std::int64_t>& powers) {
  BucketSpread out{label, powers, {}, {}, 0};
  std::vector<std::string> members;
  std::map<std::string, std::int64_t> power;
  for (std::size_t i = 0; i < powers.size(); ++i) {
    members.push_back(node_name(i));
    power[node_name(i)] = powers[i];
  }
  const auto all = farm::deal_buckets(members, power);
  for (const auto& name : members) out.buckets.push_back(all.at(name).count());
  if (members.empty()) return out;

  const std::string leaver = members.back();
  members.pop_back();
  const auto rest = farm::deal_buckets(members, power);
  for (const auto& name : members) {
    out.without_last.push_back(rest.at(name).count());
    // A bucket this node held before and lost now went to another survivor for no reason.
    out.moved_needlessly += (all.at(name) & ~rest.at(name)).count();
  }
  return out;
}

std::vector<BucketSpread> issue16_spreads() {
  return {spread_of("equal (1,1,1)", {1, 1, 1}), spread_of("unequal (1,2,3)", {1, 2, 3}),
          spread_of("chain HA (1,64,4096)", {1, 64, 4096})};
}

}  // namespace haven::bench
