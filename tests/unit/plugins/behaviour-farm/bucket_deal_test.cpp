#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "bucket_deal.hpp"

using haven::farm::BucketSet;
using haven::farm::deal_buckets;

namespace {

// Every bucket has exactly one owner among `members`.
void check_partition(const std::map<std::string, BucketSet>& deal, const std::vector<std::string>& members) {
  BucketSet all;
  std::size_t total = 0;
  for (const auto& [node, owned] : deal) {
    CHECK(std::find(members.begin(), members.end(), node) != members.end());
    CHECK((all & owned).none());
    all |= owned;
    total += owned.count();
  }
  CHECK(all.all());
  CHECK(total == haven::kLoadBuckets);
}

}  // namespace

TEST_CASE("equal powers share 256 buckets evenly, whatever order the members come in", "[farm][deal]") {
  const std::vector<std::string> three{"node1", "node2", "node3"};
  const auto deal = deal_buckets(three, {});
  check_partition(deal, three);
  for (const auto& [node, owned] : deal) CHECK((owned.count() == 85 || owned.count() == 86));
  CHECK(deal_buckets({"node3", "node1", "node2", "node1"}, {}) == deal);
  const auto two = deal_buckets({"node1", "node2"}, {});
  CHECK(two.at("node1").count() == 128);
  CHECK(two.at("node2").count() == 128);
  const auto alone = deal_buckets({"node2"}, {});
  CHECK(alone.at("node2").all());
  CHECK(deal_buckets({}, {}).empty());
}

TEST_CASE("shares follow power; a node 64 times weaker takes nothing while the stronger is there (chain HA)", "[farm][deal]") {
  const std::vector<std::string> nodes{"a", "b"};
  const auto weighted = deal_buckets(nodes, {{"a", 3}, {"b", 1}});
  CHECK(weighted.at("a").count() == 192);
  CHECK(weighted.at("b").count() == 64);
  const std::map<std::string, std::int64_t> chain{{"n1", 1}, {"n2", 64}, {"n3", 64 * 64}};
  const auto all_three = deal_buckets({"n1", "n2", "n3"}, chain);
  CHECK(all_three.at("n3").all());
  CHECK(all_three.at("n2").none());
  CHECK(all_three.at("n1").none());
  const auto without_n3 = deal_buckets({"n1", "n2"}, chain);
  CHECK(without_n3.at("n2").all());
  CHECK(without_n3.at("n1").none());
  CHECK(deal_buckets({"n1"}, chain).at("n1").all());
  // 63 times weaker still shares, as its power says.
  const auto close = deal_buckets({"x", "y"}, {{"x", 63}, {"y", 1}});
  CHECK(close.at("y").count() == 4);
  // Powers below 1, or missing, count as 1.
  CHECK(deal_buckets({"p", "q"}, {{"p", 0}, {"q", -5}}).at("p").count() == 128);
}

TEST_CASE("random memberships: always a partition, shares within one bucket of power, survivors keep most of theirs", "[farm][deal]") {
  std::mt19937 rng(20261207);
  std::size_t kept = 0;
  std::size_t could_keep = 0;
  for (int round = 0; round < 200; ++round) {
    const int n = std::uniform_int_distribution<int>(2, 8)(rng);
    std::vector<std::string> members;
    std::map<std::string, std::int64_t> power;
    std::int64_t total = 0;
    for (int i = 0; i < n; ++i) {
      members.push_back("node" + std::to_string(i + 1));
      power[members.back()] = std::uniform_int_distribution<int>(1, 20)(rng);
      total += power[members.back()];
    }
    const auto deal = deal_buckets(members, power);
    check_partition(deal, members);
    for (const auto& [node, owned] : deal) {
      const double exact = 256.0 * static_cast<double>(power.at(node)) / static_cast<double>(total);
      CHECK(static_cast<double>(owned.count()) >= exact - 1.0);
      CHECK(static_cast<double>(owned.count()) <= exact + 1.0);
    }
    // One node leaves: the others keep the buckets they had (they only gain).
    const auto leaving = members[std::uniform_int_distribution<std::size_t>(0, members.size() - 1)(rng)];
    std::vector<std::string> rest;
    for (const auto& m : members)
      if (m != leaving) rest.push_back(m);
    const auto after = deal_buckets(rest, power);
    check_partition(after, rest);
    for (const auto& m : rest) {
      kept += (deal.at(m) & after.at(m)).count();
      could_keep += deal.at(m).count();
    }
  }
  const double share_kept = static_cast<double>(kept) / static_cast<double>(could_keep);
  WARN("survivors kept " << share_kept * 100 << "% of their buckets when one node left");
  CHECK(share_kept > 0.9);
}
