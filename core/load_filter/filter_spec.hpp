// What the farm's packet filter enforces on one node: the module's virtual IPs, how clients
// learn their MAC address, the load-balancing rules and this node's share of each group's 256
// buckets. A plain value, built by the agent from the module's <vip> configuration and the
// latest DealBuckets; turned into nftables rules by nft_script.hpp and installed by
// load_filter.hpp.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace haven::load_filter {

/// How many hash buckets a group's clients are spread over (the SDK's kLoadBuckets).
inline constexpr std::size_t kBuckets = 256;

/// One bit per bucket: bucket b is served here when set.
using BucketSet = std::bitset<kBuckets>;

/// `<virtual_interface type="...">`: how clients learn the virtual IP's MAC address.
enum class MacMode {
  vmac_invisible,  ///< every node answers ARP with a virtual MAC that switches flood to all nodes
  vmac_directed,   ///< one node (the ARP owner) answers with its real MAC and forwards others' buckets
};

/// `<rule proto="...">` (proto="arp" rules are carried by the MacMode, not by a Rule).
enum class Protocol { tcp, udp };

/// `<rule filter="...">`: what a client's bucket is hashed from.
enum class HashKey {
  on_addr,  ///< the client's source address: a client always reaches the same node
  on_port,  ///< the source address and source port: one client spreads over the nodes
  on_ipid,  ///< the IPv4 identification field (per datagram, for UDP); IPv6 falls back to on_addr
};

/// One `<rule>` of a load-balancing group.
struct Rule {
  std::string virtual_addr = "*";     ///< one of Spec::vips (as written there), or "*": all of them
  std::optional<std::uint16_t> port;  ///< destination port; nullopt: any port ("*")
  Protocol proto = Protocol::tcp;
  HashKey filter = HashKey::on_addr;
};

/// Another node's share of a group, for the ARP owner in vmac_directed mode, which forwards
/// the packets of those buckets to that node.
struct PeerShare {
  std::string node;    ///< its name, for comments and messages
  std::string ipv4;    ///< its own IPv4 address on the shared interface (next hop of the forward)
  BucketSet buckets;   ///< the buckets it serves
};

/// One `<group>` of `<loadbalancing_list>` and this node's part of its deal.
struct Group {
  std::string name;                ///< "FarmProto", for comments and messages
  std::vector<Rule> rules;         ///< in configuration order; the first that matches a packet decides
  BucketSet mine;                  ///< the buckets this node serves (DealBuckets::owned)
  std::vector<PeerShare> peers;    ///< vmac_directed, on the ARP owner only: the other nodes' shares
};

/// Everything the filter of one module on one node needs.
struct Spec {
  std::string module;              ///< module name; names the tables (see table_name)
  std::uint16_t module_id = 1;     ///< part of the derived virtual MAC
  std::string interface;           ///< the interface that holds the VIPs ("eth0")
  std::string real_mac;            ///< the interface's own MAC; needed for IPv6 VIPs in
                                   ///< vmac_invisible (apply() reads it when empty)
  std::string node_ipv4;           ///< this node's own IPv4 address on the interface: ARP requests
                                   ///< the node sends from a VIP say this address instead, so no
                                   ///< client rebinds the VIP to a real MAC. Required in vmac_directed
  std::vector<std::string> vips;   ///< the virtual IPs, IPv4 and IPv6, as written ("198.51.100.100")
  MacMode mode = MacMode::vmac_invisible;
  std::string virtual_mac;         ///< `<virtual_interface addr>`; empty: derive_virtual_mac()
  std::string node;                ///< this node's name
  std::string arp_owner;           ///< vmac_directed: the node that answers ARP (first member by name)
  std::vector<Group> groups;
};

/// A MAC address as six bytes.
using MacBytes = std::array<std::uint8_t, 6>;

/// Parses "02:aa:bb:cc:dd:ee" (or with '-'); nullopt when it is not six hex pairs.
std::optional<MacBytes> parse_mac(std::string_view text);

/// "02:aa:bb:cc:dd:ee" (lower case).
std::string format_mac(const MacBytes& mac);

/// The virtual MAC used when `<virtual_interface addr>` is empty: 02:<module id, low byte>:<the
/// four bytes of the first IPv4 VIP, or the last four of the first IPv6 VIP>. 02 makes it
/// locally administered and unicast (routers refuse ARP answers carrying a multicast MAC), and
/// every node derives the same value from the same configuration. nullopt when no VIP parses.
std::optional<MacBytes> derive_virtual_mac(std::uint16_t module_id, const std::vector<std::string>& vips);

/// The name of the module's tables in every family: "haven_" + the module name. Characters
/// outside [A-Za-z0-9_.-] become '_' and a hash of the original name is appended, so that two
/// modules never share a table and the name is always a valid nft identifier; at most 64
/// characters (longer names are cut and hashed the same way).
std::string table_name(std::string_view module);

/// True when `name` is one table_name() could return: "haven_" followed by [A-Za-z0-9_.-].
bool is_haven_table_name(std::string_view name);

/// True when `name` can be an interface name in an nft script: 1 to 15 of [A-Za-z0-9_.-] (an alias label such as eth0:1 is no device).
bool is_valid_interface_name(std::string_view name);

}  // namespace haven::load_filter
