#include "load_filter/nft_script.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace haven::load_filter {
namespace {

constexpr std::array<const char*, 3> kFamilies = {"inet", "arp", "netdev"};

// A VIP of the spec, parsed once.
struct Vip {
  std::string text;      // as nft prints it (normalised by inet_ntop)
  std::string written;   // as the spec wrote it, for Rule::virtual_addr
  bool v6 = false;
};

// What render_apply_script needs after validation.
struct Checked {
  std::string table;
  std::vector<Vip> vips;
  MacBytes vmac{};
  std::optional<MacBytes> real_mac;
  bool arp_owner = false;
};

Error spec_error(const Spec& spec, Errc code, const std::string& what) {
  return fail(code, fmt::format("load filter of module '{}' on interface '{}': {}", spec.module, spec.interface, what));
}

// Comments carry names from the configuration: keep them printable and unquoted.
std::string comment_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= 100) break;
    out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '_';
  }
  return out;
}

std::optional<Vip> parse_vip(const std::string& written) {
  char text[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, written.c_str(), &v4) == 1 && inet_ntop(AF_INET, &v4, text, sizeof text))
    return Vip{text, written, false};
  in6_addr v6{};
  if (inet_pton(AF_INET6, written.c_str(), &v6) == 1 && inet_ntop(AF_INET6, &v6, text, sizeof text))
    return Vip{text, written, true};
  return std::nullopt;
}

bool is_ipv4(const std::string& text) {
  in_addr v4{};
  return inet_pton(AF_INET, text.c_str(), &v4) == 1;
}

// "0-5, 9, 12-13": the set bits as nft interval elements.
std::string bucket_elements(const BucketSet& buckets) {
  std::string out;
  std::size_t b = 0;
  while (b < kBuckets) {
    if (!buckets[b]) {
      ++b;
      continue;
    }
    std::size_t end = b;
    while (end + 1 < kBuckets && buckets[end + 1]) ++end;
    if (!out.empty()) out += ", ";
    out += end == b ? std::to_string(b) : fmt::format("{}-{}", b, end);
    b = end + 1;
  }
  return out;
}

std::string address_set(const std::vector<const Vip*>& vips) {
  std::string out = "{ ";
  for (std::size_t i = 0; i < vips.size(); ++i) out += (i ? ", " : "") + vips[i]->text;
  return out + " }";
}

std::vector<const Vip*> vips_of(const std::vector<Vip>& vips, bool v6) {
  std::vector<const Vip*> out;
  for (const auto& v : vips)
    if (v.v6 == v6) out.push_back(&v);
  return out;
}

// The VIPs of one family a rule applies to.
std::vector<const Vip*> rule_vips(const Rule& rule, const std::vector<Vip>& vips, bool v6) {
  std::vector<const Vip*> out;
  for (const auto& v : vips)
    if (v.v6 == v6 && (rule.virtual_addr == "*" || rule.virtual_addr == v.written || rule.virtual_addr == v.text))
      out.push_back(&v);
  return out;
}

const char* proto_name(Protocol p) { return p == Protocol::tcp ? "tcp" : "udp"; }

// "tcp dport 80" or "meta l4proto tcp".
std::string port_match(const Rule& rule) {
  if (rule.port) return fmt::format("{} dport {}", proto_name(rule.proto), *rule.port);
  return fmt::format("meta l4proto {}", proto_name(rule.proto));
}

// What the inet side hashes: the connection's original source, so that every packet of a
// connection hashes alike. on_ipid has no IPv6 counterpart: the source address stands in.
std::string conntrack_key(HashKey key, bool v6) {
  const char* family = v6 ? "ip6" : "ip";
  switch (key) {
    case HashKey::on_addr: return fmt::format("ct original {} saddr", family);
    case HashKey::on_port: return fmt::format("ct original {} saddr . ct original proto-src", family);
    case HashKey::on_ipid: return v6 ? "ct original ip6 saddr" : "ip id";
  }
  return {};
}

// The same key from the packet alone, for the netdev ingress hook where conntrack has not run
// yet. jhash sees the same bytes (addresses and ports in network order, each in its own
// register), so both hooks put a packet in the same bucket.
std::string packet_key(HashKey key, Protocol proto) {
  switch (key) {
    case HashKey::on_addr: return "ip saddr";
    case HashKey::on_port: return fmt::format("ip saddr . {} sport", proto_name(proto));
    case HashKey::on_ipid: return "ip id";
  }
  return {};
}

std::string hash(const std::string& key) { return fmt::format("jhash {} mod {} seed 0x{:08x}", key, kBuckets, kHashSeed); }

std::string set_name(std::size_t g) { return fmt::format("g{}_mine", g); }
std::string rule_chain(std::size_t g, std::size_t r, bool v6) { return fmt::format("g{}_r{}_{}", g, r, v6 ? "ip6" : "ip"); }

Result<Checked> check_spec(const Spec& spec) {
  Checked c;
  if (spec.module.empty()) return spec_error(spec, Errc::invalid_argument, "the module name is empty");
  c.table = table_name(spec.module);
  if (!is_haven_table_name(c.table))
    return spec_error(spec, Errc::internal, fmt::format("table name '{}' is not a haven table name", c.table));
  if (!is_valid_interface_name(spec.interface))
    return spec_error(spec, Errc::invalid_argument, "the interface name is not 1 to 15 of [A-Za-z0-9_.-]");
  if (spec.vips.empty()) return spec_error(spec, Errc::invalid_argument, "no virtual IP: a farm filter needs at least one");
  for (const auto& written : spec.vips) {
    auto vip = parse_vip(written);
    if (!vip)
      return spec_error(spec, Errc::invalid_argument,
                        fmt::format("virtual IP '{}' is not an IPv4 or IPv6 address", written));
    c.vips.push_back(*vip);
  }
  const bool any_v6 = std::any_of(c.vips.begin(), c.vips.end(), [](const Vip& v) { return v.v6; });
  if (spec.virtual_mac.empty()) {
    auto derived = derive_virtual_mac(spec.module_id, spec.vips);
    if (!derived) return spec_error(spec, Errc::internal, "no virtual MAC could be derived");
    c.vmac = *derived;
  } else {
    auto parsed = parse_mac(spec.virtual_mac);
    if (!parsed)
      return spec_error(spec, Errc::invalid_argument,
                        fmt::format("virtual MAC addr=\"{}\" is not six hex pairs like 02:00:5e:00:00:01", spec.virtual_mac));
    if ((*parsed)[0] & 0x01)
      return spec_error(spec, Errc::invalid_argument,
                        fmt::format("virtual MAC addr=\"{}\" is a multicast address; routers refuse ARP answers "
                                    "carrying one: use a locally administered unicast one such as 02:...",
                                    spec.virtual_mac));
    c.vmac = *parsed;
  }
  if (!spec.real_mac.empty()) {
    c.real_mac = parse_mac(spec.real_mac);
    if (!c.real_mac)
      return spec_error(spec, Errc::invalid_argument, fmt::format("real MAC '{}' is not six hex pairs", spec.real_mac));
  }
  if (!spec.node_ipv4.empty() && !is_ipv4(spec.node_ipv4))
    return spec_error(spec, Errc::invalid_argument,
                      fmt::format("the node's own address '{}' is not an IPv4 address", spec.node_ipv4));
  if (spec.mode == MacMode::vmac_invisible && any_v6 && !c.real_mac)
    return spec_error(spec, Errc::invalid_argument,
                      "an IPv6 virtual IP in vmac_invisible mode needs the interface's real MAC (to rewrite "
                      "neighbour advertisements with a correct checksum)");
  if (spec.mode == MacMode::vmac_directed) {
    if (any_v6)
      return spec_error(spec, Errc::unsupported,
                        "vmac_directed with an IPv6 virtual IP is not supported: use vmac_invisible for IPv6");
    if (spec.node_ipv4.empty())
      return spec_error(spec, Errc::invalid_argument,
                        "vmac_directed needs the node's own IPv4 address on the interface (node_ipv4)");
    if (spec.arp_owner.empty())
      return spec_error(spec, Errc::invalid_argument, "vmac_directed needs the ARP owner (the first member by name)");
    c.arp_owner = spec.arp_owner == spec.node;
  }
  for (const auto& group : spec.groups) {
    for (const auto& rule : group.rules) {
      if (rule.port && *rule.port == 0)
        return spec_error(spec, Errc::invalid_argument, fmt::format("group '{}': port 0 in a rule", group.name));
      const bool known = rule.virtual_addr == "*" ||
                         std::any_of(c.vips.begin(), c.vips.end(), [&](const Vip& v) {
                           return rule.virtual_addr == v.written || rule.virtual_addr == v.text;
                         });
      if (!known)
        return spec_error(spec, Errc::invalid_argument,
                          fmt::format("group '{}': rule virtual_addr=\"{}\" is none of the module's virtual IPs "
                                      "(or \"*\")",
                                      group.name, rule.virtual_addr));
    }
    for (const auto& peer : group.peers) {
      if (!is_ipv4(peer.ipv4))
        return spec_error(spec, Errc::invalid_argument,
                          fmt::format("group '{}': peer '{}' address '{}' is not an IPv4 address", group.name,
                                      peer.node, peer.ipv4));
      if ((peer.buckets & group.mine).any())
        return spec_error(spec, Errc::invalid_argument,
                          fmt::format("group '{}': peer '{}' is given buckets this node also serves", group.name,
                                      peer.node));
    }
  }
  return c;
}

std::string table_comment(const Spec& spec, bool haven_set_promiscuous) {
  return fmt::format("comment \"haven load filter of module {}; {}{}\"", comment_text(spec.module), kPromiscuousMarker,
                     haven_set_promiscuous ? spec.interface : "none");
}

void render_inet(const Spec& spec, const Checked& c, bool promisc, std::string& out) {
  out += fmt::format("table inet {} {{\n\t{}\n", c.table, table_comment(spec, promisc));
  for (std::size_t g = 0; g < spec.groups.size(); ++g) {
    const auto& group = spec.groups[g];
    out += fmt::format("\tset {} {{\n\t\ttypeof symhash mod {}\n\t\tflags interval\n", set_name(g), kBuckets);
    out += fmt::format("\t\tcomment \"group {}: the buckets this node serves\"\n", comment_text(group.name));
    if (group.mine.any()) out += fmt::format("\t\telements = {{ {} }}\n", bucket_elements(group.mine));
    out += "\t}\n";
  }
  // Rule chains: one per rule and address family, each ending in a verdict.
  std::string dispatch;
  for (std::size_t g = 0; g < spec.groups.size(); ++g) {
    const auto& group = spec.groups[g];
    for (std::size_t r = 0; r < group.rules.size(); ++r) {
      const auto& rule = group.rules[r];
      for (bool v6 : {false, true}) {
        const auto vips = rule_vips(rule, c.vips, v6);
        if (vips.empty()) continue;
        const std::string chain = rule_chain(g, r, v6);
        dispatch += fmt::format("\t\t{} daddr {} {} jump {}\n", v6 ? "ip6" : "ip", address_set(vips), port_match(rule), chain);
        out += fmt::format("\tchain {} {{\n", chain);
        const std::string lookup = fmt::format("{} @{}", hash(conntrack_key(rule.filter, v6)), set_name(g));
        if (rule.proto == Protocol::tcp) {
          // A connection this node took stays here whatever the deal says; a new one is taken
          // only from its first SYN, so that the new owner of a bucket never picks up (and
          // resets) a connection another node holds.
          out += "\t\tct state established,related accept\n";
          out += fmt::format("\t\tct state new tcp flags & (syn | ack) == syn {} accept\n", lookup);
        } else {
          // UDP has no connection to keep: each datagram goes by the current deal, so that two
          // nodes never both answer one flow after a re-deal. Replies to the node's own flows pass.
          out += "\t\tct direction reply accept\n";
          out += fmt::format("\t\tmeta l4proto udp {} accept\n", lookup);  // udp: ct proto-src needs the protocol
        }
        out += "\t\tdrop\n\t}\n";
      }
    }
  }
  out += "\tchain to_vip {\n" + dispatch;
  out += "\t\tct state established,related accept\n";
  out += "\t\tmeta l4proto { icmp, ipv6-icmp } accept\n";
  out += "\t\tdrop\n\t}\n";
  out += "\tchain prerouting {\n\t\ttype filter hook prerouting priority mangle; policy accept;\n";
  for (bool v6 : {false, true}) {
    const auto vips = vips_of(c.vips, v6);
    if (!vips.empty()) out += fmt::format("\t\t{} daddr {} jump to_vip\n", v6 ? "ip6" : "ip", address_set(vips));
  }
  out += "\t}\n";
  const auto v6_vips = vips_of(c.vips, true);
  if (spec.mode == MacMode::vmac_invisible && !v6_vips.empty() && c.real_mac) {
    // Neighbour discovery is ICMPv6, not ARP: the source (NS) or target (NA) link-layer
    // option at offset 24 says the real MAC; it becomes the virtual one, and the reserved
    // word at offset 6 keeps the checksum right.
    out += "\tchain output {\n\t\ttype filter hook output priority mangle; policy accept;\n";
    out += fmt::format(
        "\t\tip6 saddr {} icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} @th,192,16 {{ 0x0101, 0x0201 }} "
        "@th,208,48 0x{} @th,48,16 0x0000 @th,48,16 set 0x{:04x} @th,208,48 set 0x{}\n",
        address_set(v6_vips), fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", (*c.real_mac)[0], (*c.real_mac)[1],
                                          (*c.real_mac)[2], (*c.real_mac)[3], (*c.real_mac)[4], (*c.real_mac)[5]),
        nd_checksum_compensation(*c.real_mac, c.vmac),
        fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", c.vmac[0], c.vmac[1], c.vmac[2], c.vmac[3], c.vmac[4],
                    c.vmac[5]));
    out += "\t}\n";
  }
  out += "}\n";
}

void render_arp(const Spec& spec, const Checked& c, bool promisc, std::string& out) {
  out += fmt::format("table arp {} {{\n\t{}\n", c.table, table_comment(spec, promisc));
  out += "\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n";
  const auto v4 = vips_of(c.vips, false);
  if (!v4.empty()) {
    const std::string vips = address_set(v4);
    const std::string vmac = format_mac(c.vmac);
    if (spec.mode == MacMode::vmac_invisible)
      out += fmt::format("\t\tarp operation reply arp saddr ip {} arp saddr ether set {}\n", vips, vmac);
    else if (!c.arp_owner)
      out += fmt::format("\t\tarp operation reply arp saddr ip {} drop\n", vips);
    // A request the node sends from a VIP (to reach a client) would rebind the VIP to the
    // node's real MAC in the client's cache: it asks in the node's own name instead.
    if (!spec.node_ipv4.empty())
      out += fmt::format("\t\tarp operation request arp saddr ip {} arp daddr ip != {} arp saddr ip set {}\n", vips,
                         vips, spec.node_ipv4);
    else
      out += fmt::format("\t\tarp operation request arp saddr ip {} arp saddr ether set {}\n", vips, vmac);
  }
  out += "\t}\n}\n";
}

void render_netdev(const Spec& spec, const Checked& c, bool promisc, std::string& out) {
  out += fmt::format("table netdev {} {{\n\t{}\n", c.table, table_comment(spec, promisc));
  std::string ingress;
  if (spec.mode == MacMode::vmac_invisible) {
    ingress += fmt::format("\t\tether daddr {} meta pkttype set host\n", format_mac(c.vmac));
  } else if (c.arp_owner) {
    // No conntrack before this hook: the bucket comes from the packet itself (see packet_key).
    for (std::size_t g = 0; g < spec.groups.size(); ++g) {
      const auto& group = spec.groups[g];
      std::string elements;
      for (std::size_t p = 0; p < group.peers.size(); ++p) {
        const auto& peer = group.peers[p];
        if (peer.buckets.none()) continue;
        const std::string chain = fmt::format("g{}_to_peer{}", g, p);
        out += fmt::format("\tchain {} {{\n\t\tcomment \"forward to node {}\"\n\t\tfwd ip to {} device \"{}\"\n\t}}\n",
                           chain, comment_text(peer.node), peer.ipv4, spec.interface);
        std::string ranges = bucket_elements(peer.buckets);
        std::size_t start = 0;
        while (start < ranges.size()) {  // "a-b, c" -> "a-b : jump chain, c : jump chain"
          std::size_t comma = ranges.find(", ", start);
          if (comma == std::string::npos) comma = ranges.size();
          if (!elements.empty()) elements += ", ";
          elements += ranges.substr(start, comma - start) + " : jump " + chain;
          start = comma + 2;
        }
      }
      if (elements.empty()) continue;
      const std::string map = fmt::format("g{}_forward", g);
      out += fmt::format("\tmap {} {{\n\t\ttypeof symhash mod {} : verdict\n\t\tflags interval\n", map, kBuckets);
      out += fmt::format("\t\tcomment \"group {}: the buckets other nodes serve\"\n", comment_text(group.name));
      out += fmt::format("\t\telements = {{ {} }}\n\t}}\n", elements);
      for (const auto& rule : group.rules) {
        const auto vips = rule_vips(rule, c.vips, false);
        if (vips.empty()) continue;
        ingress += fmt::format("\t\tip daddr {} {} {} vmap @{}\n", address_set(vips), port_match(rule),
                               hash(packet_key(rule.filter, rule.proto)), map);
      }
    }
  }
  out += fmt::format("\tchain ingress {{\n\t\ttype filter hook ingress device \"{}\" priority filter; policy accept;\n",
                     spec.interface);
  out += ingress + "\t}\n}\n";
}

}  // namespace

Result<std::string> render_apply_script(const Spec& spec, bool haven_set_promiscuous) {
  auto checked = check_spec(spec);
  if (!checked) return std::move(checked).error();
  const Checked& c = checked.value();
  std::string out;
  for (const char* family : kFamilies) out += fmt::format("add table {0} {1}\ndelete table {0} {1}\n", family, c.table);
  render_inet(spec, c, haven_set_promiscuous, out);
  render_arp(spec, c, haven_set_promiscuous, out);
  render_netdev(spec, c, haven_set_promiscuous, out);
  return out;
}

std::string render_remove_script(std::string_view module) {
  const std::string table = table_name(module);
  std::string out;
  for (const char* family : kFamilies) out += fmt::format("add table {0} {1}\ndelete table {0} {1}\n", family, table);
  return out;
}

std::string render_list_script(std::string_view module) { return "list table inet " + table_name(module) + "\n"; }

std::optional<std::string> promiscuous_record(std::string_view listing) {
  const auto at = listing.find(kPromiscuousMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t end = at + kPromiscuousMarker.size();
  std::string name;
  while (end < listing.size() && listing[end] != '"' && listing[end] != ';' && listing[end] != ' ' &&
         listing[end] != '\n')
    name += listing[end++];
  if (name.empty() || name == "none" || !is_valid_interface_name(name)) return std::nullopt;
  return name;
}

std::uint16_t nd_checksum_compensation(const MacBytes& real, const MacBytes& virt) {
  // Ones' complement arithmetic: the compensation C makes sum - real + virt + C == sum.
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 6; i += 2) {
    sum += static_cast<std::uint32_t>(real[i] << 8 | real[i + 1]);
    sum += static_cast<std::uint16_t>(~(virt[i] << 8 | virt[i + 1]));
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff ? 0 : static_cast<std::uint16_t>(sum);
}

}  // namespace haven::load_filter
