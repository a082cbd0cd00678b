// What `ip -j addr show dev X` says, as "address/prefix" strings and labels: the independent
// witness of what haven's netlink layer did.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "private_netns.hpp"

namespace haven::vip::testing {

struct IpJsonAddress {
  std::string prefix;  ///< "198.51.100.50/24"
  std::string label;
};

inline std::vector<IpJsonAddress> ip_json_addresses(const PrivateNetns& ns, const std::string& interface) {
  const auto doc = nlohmann::json::parse(ns.run("ip -j addr show dev " + interface));
  std::vector<IpJsonAddress> out;
  for (const auto& link : doc)
    for (const auto& a : link.value("addr_info", nlohmann::json::array()))
      out.push_back({a.at("local").get<std::string>() + "/" + std::to_string(a.at("prefixlen").get<int>()),
                     a.value("label", std::string())});
  return out;
}

inline bool ip_json_has(const PrivateNetns& ns, const std::string& interface, const std::string& prefix) {
  for (const auto& a : ip_json_addresses(ns, interface))
    if (a.prefix == prefix) return true;
  return false;
}

}  // namespace haven::vip::testing
