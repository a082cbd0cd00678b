// Which of the 256 buckets the farm's nftables filter puts a client address in, computed here
// as the kernel does, so that the bench can say which node the deal sends each client to and
// compare it with the node that answered. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace haven::bench {

/// `jhash ip saddr mod 256 seed 0x6861766e` (load_filter::kHashSeed) of an IPv4 literal: the
/// kernel's jhash (linux/jhash.h) over the address's 4 bytes in network order, scaled into
/// 0..255 as nft_jhash does (reciprocal_scale). nullopt when `address` is not IPv4.
std::optional<std::uint32_t> nft_bucket_of_ipv4(const std::string& address);

/// How many of `sources` fall in each equal-power node's share of the deal over node1..node`nodes`
/// (plugins/behaviour-farm/bucket_deal); sources that are not IPv4 are left out.
std::map<std::string, std::size_t> predicted_clients(const std::vector<std::string>& sources, int nodes);

}  // namespace haven::bench
