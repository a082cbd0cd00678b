// The nft script text of the load filter: which rules each mode and filter produces, and the
// errors a wrong spec gets. Whether nft and the kernel accept the text is load_filter_netns_tests.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "load_filter/nft_script.hpp"

using namespace haven::load_filter;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The lines of `text` that contain `what`.
std::vector<std::string> lines_with(const std::string& text, const std::string& what) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(what) != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

BucketSet buckets(std::size_t from, std::size_t to) {
  BucketSet b;
  for (std::size_t i = from; i <= to; ++i) b.set(i);
  return b;
}

Spec invisible_spec() {
  Spec s;
  s.module = "web";
  s.module_id = 3;
  s.interface = "eth0";
  s.real_mac = "52:54:00:12:34:56";
  s.node_ipv4 = "198.51.100.1";
  s.vips = {"198.51.100.100", "2001:db8::100"};
  s.mode = MacMode::vmac_invisible;
  s.node = "node1";
  Group g;
  g.name = "FarmProto";
  Rule tcp;
  tcp.port = 80;
  g.rules.push_back(tcp);
  Rule udp;
  udp.virtual_addr = "198.51.100.100";
  udp.proto = Protocol::udp;
  udp.filter = HashKey::on_ipid;
  g.rules.push_back(udp);
  g.mine = buckets(0, 84);
  g.mine.set(200);
  s.groups.push_back(g);
  return s;
}

Spec directed_spec(const std::string& node) {
  Spec s;
  s.module = "web";
  s.interface = "eth0";
  s.node_ipv4 = node == "node1" ? "198.51.100.1" : "198.51.100.2";
  s.vips = {"198.51.100.100"};
  s.mode = MacMode::vmac_directed;
  s.node = node;
  s.arp_owner = "node1";
  Group g;
  g.name = "FarmProto";
  Rule tcp;
  tcp.port = 80;
  tcp.filter = HashKey::on_port;
  g.rules.push_back(tcp);
  if (node == "node1") {
    g.mine = buckets(0, 127);
    PeerShare peer;
    peer.node = "node2";
    peer.ipv4 = "198.51.100.2";
    peer.buckets = buckets(128, 255);
    g.peers.push_back(peer);
  } else {
    g.mine = buckets(128, 255);
  }
  s.groups.push_back(g);
  return s;
}

std::string render(const Spec& spec, bool promisc = false) {
  auto script = render_apply_script(spec, promisc);
  INFO((script ? std::string() : script.error().message));
  REQUIRE(script);
  return script.value();
}

}  // namespace

TEST_CASE("apply replaces the module's three tables in one script: add, delete, then define", "[load_filter]") {
  const std::string text = render(invisible_spec());
  CHECK(text.rfind("add table inet haven_web\ndelete table inet haven_web\n"
                   "add table arp haven_web\ndelete table arp haven_web\n"
                   "add table netdev haven_web\ndelete table netdev haven_web\n",
                   0) == 0);
  CHECK(count(text, "table inet haven_web {") == 1);
  CHECK(count(text, "table arp haven_web {") == 1);
  CHECK(count(text, "table netdev haven_web {") == 1);
  // No other table is ever named.
  CHECK(count(text, "table ") == 9);
}

TEST_CASE("every hash has the same explicit seed, so that all nodes compute the same buckets", "[load_filter]") {
  for (const Spec& spec : {invisible_spec(), directed_spec("node1")}) {
    const std::string text = render(spec);
    REQUIRE(count(text, "jhash ") > 0);
    CHECK(count(text, "jhash ") == count(text, "seed 0x6861766e"));
  }
}

TEST_CASE("the node's buckets are a named interval set, written as ranges; none owned: an empty set",
          "[load_filter]") {
  Spec spec = invisible_spec();
  CHECK(count(render(spec), "elements = { 0-84, 200 }") == 1);
  spec.groups[0].mine.reset();
  const std::string none = render(spec);
  CHECK(count(none, "set g0_mine {") == 1);
  CHECK(count(none, "elements") == 0);
}

TEST_CASE("a TCP rule keeps this node's connections and takes new ones only from a SYN in its buckets",
          "[load_filter]") {
  const std::string text = render(invisible_spec());
  const auto dispatch = lines_with(text, "tcp dport 80 jump");
  REQUIRE(dispatch.size() == 2);  // the rule's virtual_addr="*": both VIPs, one chain per family
  CHECK(dispatch[0].find("ip daddr { 198.51.100.100 }") != std::string::npos);
  CHECK(dispatch[1].find("ip6 daddr { 2001:db8::100 }") != std::string::npos);
  CHECK(count(text, "chain g0_r0_ip {\n\t\tct state established,related accept\n"
                    "\t\tct state new tcp flags & (syn | ack) == syn jhash ct original ip saddr mod 256 seed "
                    "0x6861766e @g0_mine accept\n\t\tdrop\n\t}") == 1);
  CHECK(count(text, "jhash ct original ip6 saddr mod 256") == 1);
}

TEST_CASE("a UDP rule goes by the current deal for every datagram; on_ipid hashes the IPv4 identification",
          "[load_filter]") {
  const std::string text = render(invisible_spec());
  // The UDP rule names one VIP, an IPv4 one: one chain only.
  CHECK(count(text, "ip daddr { 198.51.100.100 } meta l4proto udp jump g0_r1_ip") == 1);
  CHECK(count(text, "g0_r1_ip6") == 0);
  CHECK(count(text, "chain g0_r1_ip {\n\t\tct direction reply accept\n\t\tmeta l4proto udp jhash ip id mod 256 seed 0x6861766e "
                    "@g0_mine accept\n\t\tdrop\n\t}") == 1);
}

TEST_CASE("on_port hashes the connection's original source address and port", "[load_filter]") {
  Spec spec = invisible_spec();
  spec.groups[0].rules[0].filter = HashKey::on_port;
  const std::string text = render(spec);
  CHECK(count(text, "jhash ct original ip saddr . ct original proto-src mod 256") == 1);
  CHECK(count(text, "jhash ct original ip6 saddr . ct original proto-src mod 256") == 1);
}

TEST_CASE("on_ipid on an IPv6 VIP falls back to the source address", "[load_filter]") {
  Spec spec = invisible_spec();
  spec.groups[0].rules[0].filter = HashKey::on_ipid;
  const std::string text = render(spec);
  CHECK(count(text, "jhash ip id mod 256") == 2);
  CHECK(count(text, "jhash ct original ip6 saddr mod 256") == 1);
}

TEST_CASE("traffic to a VIP that no rule takes: ICMP and the node's own connections pass, the rest is dropped",
          "[load_filter]") {
  const std::string text = render(invisible_spec());
  CHECK(count(text, "\t\tct state established,related accept\n\t\tmeta l4proto { icmp, ipv6-icmp } accept\n"
                    "\t\tdrop\n\t}") == 1);
  CHECK(count(text, "ip daddr { 198.51.100.100 } jump to_vip") == 1);
  CHECK(count(text, "ip6 daddr { 2001:db8::100 } jump to_vip") == 1);
  CHECK(count(text, "type filter hook prerouting priority mangle; policy accept;") == 1);
}

TEST_CASE("vmac_invisible: ARP replies carry the virtual MAC, frames to it are for this host", "[load_filter]") {
  const std::string text = render(invisible_spec());
  CHECK(count(text, "arp operation reply arp saddr ip { 198.51.100.100 } arp saddr ether set 02:03:c6:33:64:64") == 1);
  CHECK(count(text, "arp operation request arp saddr ip { 198.51.100.100 } arp daddr ip != { 198.51.100.100 } "
                    "arp saddr ip set 198.51.100.1") == 1);
  CHECK(count(text, "ether daddr 02:03:c6:33:64:64 meta pkttype set host") == 1);
  CHECK(count(text, "type filter hook ingress device \"eth0\" priority filter; policy accept;") == 1);
  CHECK(count(text, "fwd") == 0);
}

TEST_CASE("vmac_invisible without the node's address: its ARP requests from a VIP carry the virtual MAC",
          "[load_filter]") {
  Spec spec = invisible_spec();
  spec.node_ipv4.clear();
  CHECK(count(render(spec), "arp operation request arp saddr ip { 198.51.100.100 } arp saddr ether set "
                            "02:03:c6:33:64:64") == 1);
}

TEST_CASE("the configured virtual MAC is used as written", "[load_filter]") {
  Spec spec = invisible_spec();
  spec.virtual_mac = "5A:FE:00:00:00:01";
  const std::string text = render(spec);
  CHECK(count(text, "5a:fe:00:00:00:01") == 2);  // the ARP reply rewrite and the ingress rule
  CHECK(count(text, "0x5afe00000001") == 1);
}

TEST_CASE("vmac_invisible with an IPv6 VIP rewrites neighbour discovery's link-layer option", "[load_filter]") {
  const std::string text = render(invisible_spec());
  const auto nd = lines_with(text, "nd-neighbor-advert");
  REQUIRE(nd.size() == 1);
  CHECK(nd[0].find("ip6 saddr { 2001:db8::100 }") != std::string::npos);
  CHECK(nd[0].find("@th,208,48 0x525400123456") != std::string::npos);
  CHECK(nd[0].find("@th,208,48 set 0x0203c6336464") != std::string::npos);
  CHECK(count(text, "type filter hook output priority mangle; policy accept;") == 1);
}

TEST_CASE("vmac_directed: the ARP owner forwards the other nodes' buckets to them and keeps its own",
          "[load_filter]") {
  const std::string text = render(directed_spec("node1"));
  CHECK(count(text, "chain g0_to_peer0 {\n\t\tcomment \"forward to node node2\"\n"
                    "\t\tfwd ip to 198.51.100.2 device \"eth0\"\n\t}") == 1);
  CHECK(count(text, "elements = { 128-255 : jump g0_to_peer0 }") == 1);
  // No conntrack in the ingress hook: the packet's own fields, hashed like ct original's.
  CHECK(count(text, "ip daddr { 198.51.100.100 } tcp dport 80 jhash ip saddr . tcp sport mod 256 seed 0x6861766e "
                    "vmap @g0_forward") == 1);
  CHECK(count(text, "arp operation reply") == 0);  // the owner answers ARP with its real MAC
  CHECK(count(text, "pkttype") == 0);
}

TEST_CASE("vmac_directed: every other node drops its ARP replies for the VIP and forwards nothing",
          "[load_filter]") {
  const std::string text = render(directed_spec("node2"));
  CHECK(count(text, "arp operation reply arp saddr ip { 198.51.100.100 } drop") == 1);
  CHECK(count(text, "arp saddr ip set 198.51.100.2") == 1);
  CHECK(count(text, "fwd") == 0);
  CHECK(count(text, "vmap") == 0);
  CHECK(count(text, "elements = { 128-255 }") == 1);
}

TEST_CASE("the tables record whether haven turned promiscuous mode on", "[load_filter]") {
  const std::string on = render(invisible_spec(), true);
  auto recorded = promiscuous_record(on);
  REQUIRE(recorded);
  CHECK(*recorded == "eth0");
  CHECK_FALSE(promiscuous_record(render(invisible_spec(), false)));
  CHECK_FALSE(promiscuous_record("table inet haven_web {\n}\n"));
}

TEST_CASE("remove deletes the module's three tables whether or not they exist, and nothing else", "[load_filter]") {
  CHECK(render_remove_script("web") ==
        "add table inet haven_web\ndelete table inet haven_web\n"
        "add table arp haven_web\ndelete table arp haven_web\n"
        "add table netdev haven_web\ndelete table netdev haven_web\n");
}

TEST_CASE("a wrong spec is refused with the module, the interface and what was expected", "[load_filter]") {
  struct Case {
    const char* what;
    Spec spec;
    haven::Errc code;
    const char* words;
  };
  std::vector<Case> cases;
  Spec bad_interface = invisible_spec();
  bad_interface.interface = "eth0\"; flush ruleset";
  cases.push_back({"interface", bad_interface, haven::Errc::invalid_argument, "interface name"});
  Spec bad_vip = invisible_spec();
  bad_vip.vips.push_back("198.51.100.300");
  cases.push_back({"vip", bad_vip, haven::Errc::invalid_argument, "'198.51.100.300' is not an IPv4 or IPv6"});
  Spec no_vip = invisible_spec();
  no_vip.vips.clear();
  no_vip.groups.clear();
  cases.push_back({"no vip", no_vip, haven::Errc::invalid_argument, "no virtual IP"});
  Spec multicast = invisible_spec();
  multicast.virtual_mac = "01:00:5e:00:00:01";
  cases.push_back({"multicast", multicast, haven::Errc::invalid_argument, "multicast"});
  Spec v6_no_mac = invisible_spec();
  v6_no_mac.real_mac.clear();
  cases.push_back({"v6 without mac", v6_no_mac, haven::Errc::invalid_argument, "real MAC"});
  Spec directed_v6 = directed_spec("node1");
  directed_v6.vips.push_back("2001:db8::100");
  cases.push_back({"directed v6", directed_v6, haven::Errc::unsupported, "vmac_directed with an IPv6"});
  Spec directed_no_ip = directed_spec("node2");
  directed_no_ip.node_ipv4.clear();
  cases.push_back({"directed no ip", directed_no_ip, haven::Errc::invalid_argument, "node_ipv4"});
  Spec unknown_rule_vip = invisible_spec();
  unknown_rule_vip.groups[0].rules[0].virtual_addr = "198.51.100.99";
  cases.push_back({"rule vip", unknown_rule_vip, haven::Errc::invalid_argument, "virtual_addr=\"198.51.100.99\""});
  Spec overlap = directed_spec("node1");
  overlap.groups[0].peers[0].buckets.set(0);
  cases.push_back({"overlap", overlap, haven::Errc::invalid_argument, "buckets this node also serves"});
  for (const auto& c : cases) {
    INFO(c.what);
    auto script = render_apply_script(c.spec, false);
    REQUIRE_FALSE(script);
    CHECK(script.error().code == c.code);
    CHECK(script.error().message.find("module 'web'") != std::string::npos);
    CHECK(script.error().message.find("interface '" + c.spec.interface + "'") != std::string::npos);
    CHECK(script.error().message.find(c.words) != std::string::npos);
  }
}

namespace {

// The ICMPv6 checksum of `message` (checksum field included) with its pseudo-header; a right
// message sums to 0xffff.
std::uint16_t icmpv6_sum(const std::vector<std::uint8_t>& src, const std::vector<std::uint8_t>& dst,
                         const std::vector<std::uint8_t>& message) {
  std::uint32_t sum = 0;
  auto add = [&sum](const std::vector<std::uint8_t>& bytes) {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  };
  add(src);
  add(dst);
  sum += static_cast<std::uint32_t>(message.size());
  sum += 58;  // next header: ICMPv6
  add(message);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

TEST_CASE("rewriting the neighbour advertisement's MAC and reserved word keeps its checksum right",
          "[load_filter]") {
  const std::vector<std::uint8_t> src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
  const std::vector<std::uint8_t> dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01};
  const MacBytes real = *parse_mac("52:54:00:12:34:56");
  for (const char* vmac_text : {"02:03:c6:33:64:64", "5a:fe:00:00:00:01", "52:54:00:12:34:56", "fe:ff:ff:ff:ff:ff"}) {
    INFO(vmac_text);
    const MacBytes vmac = *parse_mac(vmac_text);
    // NA: type 136, code 0, checksum, flags S|O, reserved, target, then option 2 (target LL).
    std::vector<std::uint8_t> na = {136, 0, 0, 0, 0x60, 0, 0, 0};
    na.insert(na.end(), src.begin(), src.end());
    na.insert(na.end(), {2, 1});
    na.insert(na.end(), real.begin(), real.end());
    const std::uint16_t checksum = static_cast<std::uint16_t>(~icmpv6_sum(src, dst, na));
    na[2] = static_cast<std::uint8_t>(checksum >> 8);
    na[3] = static_cast<std::uint8_t>(checksum & 0xff);
    REQUIRE(icmpv6_sum(src, dst, na) == 0xffff);
    // What the output rule does: reserved word at 6, the MAC at 26.
    const std::uint16_t c = nd_checksum_compensation(real, vmac);
    na[6] = static_cast<std::uint8_t>(c >> 8);
    na[7] = static_cast<std::uint8_t>(c & 0xff);
    std::copy(vmac.begin(), vmac.end(), na.begin() + 26);
    CHECK(icmpv6_sum(src, dst, na) == 0xffff);
  }
}
