// The nft script text that installs or removes a module's load filter. Pure: no system call,
// so unit tests read the rules and check them without root.
//
// Three tables per module, named table_name(module) in families inet, arp and netdev, so the
// filter never touches a table haven did not create:
//   inet   prerouting (priority mangle, after conntrack): packets to a VIP that match a rule
//          are accepted when they belong to a connection this node already has (ct state
//          established/related) or, for a new connection, when the hash of the client (ct
//          original source) falls in the group's set of this node's buckets; other packets of
//          a rule are dropped. Packets to a VIP that match no rule: ICMP and the node's own
//          connections pass, the rest is dropped.
//          output: IPv6 neighbour solicitations/advertisements from a VIP carry the virtual MAC.
//   arp    output: ARP replies for a VIP carry the virtual MAC (vmac_invisible) or are dropped
//          (vmac_directed, every node but the ARP owner); ARP requests from a VIP give the
//          node's own address as sender.
//   netdev ingress on the interface: frames to the virtual MAC are for this host
//          (vmac_invisible); on the ARP owner (vmac_directed), packets whose bucket another
//          node serves are forwarded to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "haven/result.hpp"
#include "load_filter/filter_spec.hpp"

namespace haven::load_filter {

/// The jhash seed of every rule. It must be the same on every node (nft draws a random one
/// per rule when none is given, and then each node would compute its own buckets).
inline constexpr std::uint32_t kHashSeed = 0x6861766e;  // "havn"

/// The marker in the tables' comment that records that haven put the interface into
/// promiscuous mode (so that remove() turns it off again, and only then).
inline constexpr std::string_view kPromiscuousMarker = "promiscuous-by-haven=";

/// The one transaction that replaces the module's three tables with those `spec` describes:
/// for each family "add table" + "delete table" (so it works whether or not they exist), then
/// the full definitions. `haven_set_promiscuous`: record in the comment that haven turned
/// promiscuous mode on for spec.interface. invalid_argument (or unsupported: IPv6 in
/// vmac_directed) naming the module, the interface and the faulty field when `spec` is wrong.
Result<std::string> render_apply_script(const Spec& spec, bool haven_set_promiscuous);

/// The transaction that deletes the module's three tables; harmless when they do not exist.
std::string render_remove_script(std::string_view module);

/// The command that lists the module's inet table (to read back its comment).
std::string render_list_script(std::string_view module);

/// The interface recorded by kPromiscuousMarker in a table listing; nullopt when haven did not
/// turn promiscuous mode on (or the listing has no such comment).
std::optional<std::string> promiscuous_record(std::string_view listing);

/// The 16-bit word that, written into the reserved field of a neighbour solicitation or
/// advertisement whose link-layer option changes from `real` to `virt`, leaves the ICMPv6
/// checksum right (nft rewrites a raw payload without updating checksums; RFC 4861 tells
/// receivers to ignore the reserved field). Big-endian value, as nft writes it.
std::uint16_t nd_checksum_compensation(const MacBytes& real, const MacBytes& virt);

}  // namespace haven::load_filter
