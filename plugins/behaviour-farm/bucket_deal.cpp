#include "bucket_deal.hpp"

#include <algorithm>
#include <set>

namespace haven::farm {
namespace {

// Powers above 2^40 count as 2^40: 256 times their sum stays far inside 64 bits.
constexpr std::int64_t kMaxPower = std::int64_t{1} << 40;

std::int64_t power_of(const std::string& node, const std::map<std::string, std::int64_t>& power) {
  auto it = power.find(node);
  if (it == power.end() || it->second < 1) return 1;
  return std::min(it->second, kMaxPower);
}

// FNV-1a over the node's name, then splitmix64 with the bucket: a fixed, well-spread rank
// that every node computes alike (std::hash may differ between builds).
std::uint64_t rank(const std::string& node, std::size_t bucket) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : node) h = (h ^ c) * 1099511628211ULL;
  std::uint64_t z = h + 0x9e3779b97f4a7c15ULL * (bucket + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Each sharing node's number of buckets: proportional to power, largest remainders first.
std::map<std::string, std::size_t> quotas(const std::vector<std::string>& sharing,
                                          const std::map<std::string, std::int64_t>& power) {
  std::int64_t total = 0;
  for (const auto& n : sharing) total += power_of(n, power);
  std::map<std::string, std::size_t> quota;
  std::vector<std::pair<std::int64_t, std::string>> remainders;  // (remainder, name)
  std::size_t given = 0;
  for (const auto& n : sharing) {
    const std::int64_t scaled = power_of(n, power) * static_cast<std::int64_t>(kLoadBuckets);
    quota[n] = static_cast<std::size_t>(scaled / total);
    given += quota[n];
    remainders.emplace_back(scaled % total, n);
  }
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (std::size_t i = 0; given < kLoadBuckets && i < remainders.size(); ++i, ++given) ++quota[remainders[i].second];
  return quota;
}

}  // namespace

std::map<std::string, BucketSet> deal_buckets(const std::vector<std::string>& members,
                                              const std::map<std::string, std::int64_t>& power) {
  const std::set<std::string> unique(members.begin(), members.end());
  std::map<std::string, BucketSet> deal;
  if (unique.empty()) return deal;
  for (const auto& n : unique) deal[n];
  std::int64_t strongest = 0;
  for (const auto& n : unique) strongest = std::max(strongest, power_of(n, power));
  std::vector<std::string> sharing;
  for (const auto& n : unique)
    if (power_of(n, power) > strongest / kPriorityRatio) sharing.push_back(n);  // exactly: 64 * power > strongest
  auto quota = quotas(sharing, power);
  // First each bucket to the sharing node that ranks it highest; then the nodes over their
  // quota give their lowest-ranked buckets to the nodes under it that rank them highest.
  std::vector<std::string> owner(kLoadBuckets);
  std::map<std::string, std::size_t> held;
  for (std::size_t b = 0; b < kLoadBuckets; ++b) {
    const auto best = std::max_element(sharing.begin(), sharing.end(),
                                       [b](const std::string& x, const std::string& y) { return rank(x, b) < rank(y, b); });
    owner[b] = *best;
    ++held[*best];
  }
  for (const auto& giver : sharing) {
    while (held[giver] > quota[giver]) {
      // The giver's bucket that it ranks lowest goes to the under-quota node ranking it highest.
      std::size_t worst = kLoadBuckets;
      for (std::size_t b = 0; b < kLoadBuckets; ++b)
        if (owner[b] == giver && (worst == kLoadBuckets || rank(giver, b) < rank(giver, worst))) worst = b;
      const std::string* taker = nullptr;
      for (const auto& n : sharing)
        if (held[n] < quota[n] && (taker == nullptr || rank(n, worst) > rank(*taker, worst))) taker = &n;
      if (taker == nullptr) break;  // cannot happen: the quotas add up to 256
      owner[worst] = *taker;
      --held[giver];
      ++held[*taker];
    }
  }
  for (std::size_t b = 0; b < kLoadBuckets; ++b) deal[owner[b]].set(b);
  return deal;
}

}  // namespace haven::farm
