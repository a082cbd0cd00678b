#include "cluster_layout.hpp"

#include <cctype>
#include <string_view>

#include <fmt/format.h>

namespace haven::cluster {
namespace {

constexpr int kClientBase = 100;  // client j has host number 100 + j
constexpr int kSpareBase = 50;    // host numbers 50..99 are left free for virtual IPs

int lan_ipv4_base(int lan) { return (lan - 1) * 128; }

bool valid_cluster_name(std::string_view name) {
  if (name.empty() || name.size() > 16) return false;
  if (!std::islower(static_cast<unsigned char>(name[0])) && !std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::islower(u) && !std::isdigit(u) && c != '-') return false;
  }
  return true;
}

Host plan_host(const std::string& cluster_prefix, const std::string& name, int number, int lans) {
  Host host;
  host.name = name;
  host.netns = cluster_prefix + name;
  for (int lan = 1; lan <= lans; ++lan) {
    HostLink link;
    link.lan = lan;
    link.interface = fmt::format("eth{}", lan - 1);
    link.switch_port = fmt::format("{}-l{}", name, lan);
    link.ipv4 = fmt::format("198.51.100.{}", lan_ipv4_base(lan) + number);
    link.ipv4_prefix = 25;
    link.ipv6 = fmt::format("2001:db8:{}::{}", lan, number);
    link.ipv6_prefix = 64;
    host.links.push_back(std::move(link));
  }
  return host;
}

}  // namespace

std::string Lan::spare_ipv4(int k) const { return fmt::format("198.51.100.{}", lan_ipv4_base(index) + kSpareBase + k); }
std::string Lan::spare_ipv6(int k) const { return fmt::format("2001:db8:{}::{}", index, kSpareBase + k); }

const HostLink& Host::link(int lan) const {
  if (lan >= 1 && lan <= static_cast<int>(links.size())) return links[static_cast<size_t>(lan - 1)];
  return links.front();
}

const Host* Layout::find(const std::string& host_name) const {
  for (const auto& h : hosts)
    if (h.name == host_name) return &h;
  return nullptr;
}

std::vector<std::string> Layout::namespaces() const {
  std::vector<std::string> names;
  for (const auto& h : hosts) names.push_back(h.netns);
  names.push_back(switch_netns);
  return names;
}

Result<Layout> plan_layout(const Spec& spec, pid_t owner) {
  if (!valid_cluster_name(spec.name))
    return fail(Errc::invalid_argument,
                fmt::format("cluster name '{}' is not valid: expected 1 to 16 characters among a-z, 0-9 and '-', "
                            "starting with a letter or digit",
                            spec.name));
  if (spec.nodes < 1 || spec.nodes > kMaxNodes)
    return fail(Errc::invalid_argument,
                fmt::format("cluster '{}': {} nodes asked, expected 1 to {}", spec.name, spec.nodes, kMaxNodes));
  if (spec.clients < 0 || spec.clients > kMaxClients)
    return fail(Errc::invalid_argument,
                fmt::format("cluster '{}': {} clients asked, expected 0 to {}", spec.name, spec.clients, kMaxClients));
  if (spec.lans < 1 || spec.lans > kMaxLans)
    return fail(Errc::invalid_argument,
                fmt::format("cluster '{}': {} lans asked, expected 1 or {}", spec.name, spec.lans, kMaxLans));
  if (owner <= 0)
    return fail(Errc::invalid_argument, fmt::format("cluster '{}': owner pid {} is not a pid", spec.name, owner));

  Layout layout;
  layout.name = spec.name;
  layout.owner = owner;
  const std::string prefix = fmt::format("{}{}-{}-", kNamespacePrefix, owner, spec.name);
  layout.switch_netns = prefix + "switch";
  for (int lan = 1; lan <= spec.lans; ++lan)
    layout.lans.push_back(Lan{lan, fmt::format("br-lan{}", lan),
                              fmt::format("198.51.100.{}/25", lan_ipv4_base(lan)),
                              fmt::format("2001:db8:{}::/64", lan)});
  for (int i = 1; i <= spec.nodes; ++i) layout.hosts.push_back(plan_host(prefix, fmt::format("node{}", i), i, spec.lans));
  for (int j = 1; j <= spec.clients; ++j)
    layout.hosts.push_back(plan_host(prefix, fmt::format("client{}", j), kClientBase + j, spec.lans));
  return layout;
}

nlohmann::json to_json(const Layout& layout) {
  nlohmann::json doc;
  doc["name"] = layout.name;
  doc["owner"] = layout.owner;
  doc["switch_netns"] = layout.switch_netns;
  doc["lans"] = nlohmann::json::array();
  for (const auto& lan : layout.lans)
    doc["lans"].push_back({{"index", lan.index},
                           {"bridge", lan.bridge},
                           {"ipv4_subnet", lan.ipv4_subnet},
                           {"ipv6_subnet", lan.ipv6_subnet}});
  doc["hosts"] = nlohmann::json::array();
  for (const auto& host : layout.hosts) {
    nlohmann::json links = nlohmann::json::array();
    for (const auto& l : host.links)
      links.push_back({{"lan", l.lan},
                       {"interface", l.interface},
                       {"switch_port", l.switch_port},
                       {"ipv4", l.ipv4},
                       {"ipv4_prefix", l.ipv4_prefix},
                       {"ipv6", l.ipv6},
                       {"ipv6_prefix", l.ipv6_prefix}});
    doc["hosts"].push_back({{"name", host.name}, {"netns", host.netns}, {"links", links}});
  }
  return doc;
}

Result<Layout> layout_from_json(const nlohmann::json& doc) {
  // Exceptions stay inside: nlohmann reports the missing key or wrong type, we name the document.
  try {
    Layout layout;
    layout.name = doc.at("name").get<std::string>();
    layout.owner = doc.at("owner").get<pid_t>();
    layout.switch_netns = doc.at("switch_netns").get<std::string>();
    for (const auto& l : doc.at("lans"))
      layout.lans.push_back(Lan{l.at("index").get<int>(), l.at("bridge").get<std::string>(),
                                l.at("ipv4_subnet").get<std::string>(), l.at("ipv6_subnet").get<std::string>()});
    for (const auto& h : doc.at("hosts")) {
      Host host;
      host.name = h.at("name").get<std::string>();
      host.netns = h.at("netns").get<std::string>();
      for (const auto& l : h.at("links"))
        host.links.push_back(HostLink{l.at("lan").get<int>(), l.at("interface").get<std::string>(),
                                      l.at("switch_port").get<std::string>(), l.at("ipv4").get<std::string>(),
                                      l.at("ipv4_prefix").get<int>(), l.at("ipv6").get<std::string>(),
                                      l.at("ipv6_prefix").get<int>()});
      if (host.links.empty())
        return fail(Errc::parse_error, fmt::format("cluster layout: host '{}' has no link, expected one per lan", host.name));
      layout.hosts.push_back(std::move(host));
    }
    return layout;
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::parse_error, fmt::format("cluster layout: {} (expected name, owner, switch_netns, lans, hosts)", e.what()));
  }
}

pid_t namespace_owner(const std::string& netns) {
  const std::string_view prefix = kNamespacePrefix;
  if (netns.rfind(prefix, 0) != 0) return 0;
  size_t i = prefix.size();
  long long pid = 0;
  size_t digits = 0;
  while (i < netns.size() && std::isdigit(static_cast<unsigned char>(netns[i])) && digits < 10) {
    pid = pid * 10 + (netns[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || i >= netns.size() || netns[i] != '-' || pid <= 0 || pid > 0x7fffffff) return 0;
  return static_cast<pid_t>(pid);
}

}  // namespace haven::cluster
