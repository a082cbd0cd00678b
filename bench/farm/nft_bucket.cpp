#include "nft_bucket.hpp"

#include <arpa/inet.h>

#include "bucket_deal.hpp"
#include "load_filter/nft_script.hpp"

namespace haven::bench {
namespace {

constexpr std::uint32_t rol32(std::uint32_t w, unsigned s) { return (w << s) | (w >> (32 - s)); }

// linux/jhash.h, jhash() for a key of 4 bytes: only the tail switch and the final mix run.
std::uint32_t jhash4(const unsigned char* k, std::uint32_t initval) {
  constexpr std::uint32_t kJhashInitval = 0xdeadbeef;
  std::uint32_t a = kJhashInitval + 4 + initval;
  std::uint32_t b = a;
  std::uint32_t c = a;
  a += static_cast<std::uint32_t>(k[3]) << 24;
  a += static_cast<std::uint32_t>(k[2]) << 16;
  a += static_cast<std::uint32_t>(k[1]) << 8;
  a += k[0];
  c ^= b; c -= rol32(b, 14);
  a ^= c; a -= rol32(c, 11);
  b ^= a; b -= rol32(a, 25);
  c ^= b; c -= rol32(b, 16);
  a ^= c; a -= rol32(c, 4);
  b ^= a; b -= rol32(a, 14);
  c ^= b; c -= rol32(b, 24);
  return c;
}

}  // namespace

std::optional<std::uint32_t> nft_bucket_of_ipv4(const std::string& address) {
  in_addr addr{};
  if (::inet_pton(AF_INET, address.c_str(), &addr) != 1) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(&addr.s_addr);  // network order, as in the packet
  const std::uint32_t hash = jhash4(bytes, load_filter::kHashSeed);
  // reciprocal_scale(hash, 256): the high bits, not hash % 256.
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(hash) * kLoadBuckets) >> 32);
}

std::map<std::string, std::size_t> predicted_clients(const std::vector<std::string>& sources, int nodes) {
  std::vector<std::string> members;
  for (int n = 1; n <= nodes; ++n) members.push_back("node" + std::to_string(n));
  const auto deal = farm::deal_buckets(members, {});
  std::map<std::string, std::size_t> out;
  for (const auto& m : members) out[m] = 0;
  for (const auto& s : sources) {
    const auto bucket = nft_bucket_of_ipv4(s);
    if (!bucket) continue;
    for (const auto& [node, buckets] : deal)
      if (buckets.test(*bucket)) ++out[node];
  }
  return out;
}

}  // namespace haven::bench
