// The plan of a test cluster: which namespaces, bridges, interfaces and addresses it has.
// Pure (no system call): computed from a Spec and the creating process's pid, and written
// to / read from JSON so that another process (haven-netns down) can find a cluster again.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "haven/result.hpp"

namespace haven::cluster {

/// What to build. Hosts are named node1..nodeN and client1..clientM.
struct Spec {
  int nodes = 2;            ///< 1..kMaxNodes
  int clients = 1;          ///< 0..kMaxClients
  int lans = 1;             ///< 1 or 2: lan1 is 198.51.100.0/25, lan2 198.51.100.128/25
  std::string name = "t";   ///< [a-z0-9]{1,16}; part of every namespace name
};

inline constexpr int kMaxNodes = 49;
inline constexpr int kMaxClients = 26;
inline constexpr int kMaxLans = 2;
/// Every namespace the harness makes is called hvn-<owner pid>-<cluster>-<host|switch>.
inline constexpr const char* kNamespacePrefix = "hvn-";

/// One lan: a bridge in the switch namespace and its subnets.
struct Lan {
  int index = 1;             ///< 1-based
  std::string bridge;        ///< "br-lan1", in the switch namespace
  std::string ipv4_subnet;   ///< "198.51.100.0/25"
  std::string ipv6_subnet;   ///< "2001:db8:1::/64"

  /// An address of this lan that no host has, for virtual IPs: k in 0..49 gives
  /// 198.51.100.(base+50+k) and 2001:db8:<lan>::(50+k).
  std::string spare_ipv4(int k) const;
  std::string spare_ipv6(int k) const;
};

/// One host's attachment to one lan: a veth pair, one end in the host, one in the switch.
struct HostLink {
  int lan = 1;
  std::string interface;     ///< in the host: eth0 on lan1, eth1 on lan2
  std::string switch_port;   ///< in the switch namespace: "<host>-l<lan>"
  std::string ipv4;          ///< "198.51.100.1" (no prefix)
  int ipv4_prefix = 25;
  std::string ipv6;          ///< "2001:db8:1::1" (no prefix)
  int ipv6_prefix = 64;
};

/// A node or client host: a network namespace with one link per lan.
struct Host {
  std::string name;          ///< "node1", "client1"
  std::string netns;         ///< "hvn-4242-demo-node1"
  std::vector<HostLink> links;  ///< links[i] is lan i+1

  /// The link on `lan` (1-based); the first link when out of range.
  const HostLink& link(int lan = 1) const;
  const std::string& interface(int lan = 1) const { return link(lan).interface; }
  const std::string& ipv4(int lan = 1) const { return link(lan).ipv4; }
  const std::string& ipv6(int lan = 1) const { return link(lan).ipv6; }
};

/// Everything about one cluster: enough to operate on it or remove it from any process.
struct Layout {
  std::string name;
  pid_t owner = 0;           ///< pid of the process that created it (part of the names)
  std::string switch_netns;  ///< "hvn-4242-demo-switch"
  std::vector<Lan> lans;
  std::vector<Host> hosts;   ///< nodes first, then clients

  /// The host called `name`, or nullptr.
  const Host* find(const std::string& host_name) const;
  /// Every namespace of the cluster, hosts first and the switch last.
  std::vector<std::string> namespaces() const;
};

/// Plans a cluster; invalid_argument naming the field when the Spec is out of range.
Result<Layout> plan_layout(const Spec& spec, pid_t owner);

nlohmann::json to_json(const Layout& layout);
/// parse_error naming the missing or wrong field.
Result<Layout> layout_from_json(const nlohmann::json& doc);

/// The owner pid written in a namespace name made by the harness, or 0 when the name is not
/// one of ours ("hvn-<digits>-...").
pid_t namespace_owner(const std::string& netns);

}  // namespace haven::cluster
