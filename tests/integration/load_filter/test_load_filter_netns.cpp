// The farm's data path for real: three nodes and a client around a bridge (the cluster
// harness: its own namespaces, 198.51.100.0/25 and 2001:db8::/64, removed at the end and on
// failure), the VIPs 198.51.100.100 and 2001:db8::100 on all three nodes, a "who are you"
// service on each, and load_filter::apply() dealing 256 buckets between them. Root only:
// without root, network namespaces or nft, every case WARNs "SKIPPED" and passes.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "load_filter/load_filter.hpp"
#include "load_filter/nft_session.hpp"
#include "netns_cluster.hpp"
#include "netns_thread.hpp"
#include "who_client.hpp"
#include "who_server.hpp"

using namespace std::chrono_literals;
using namespace haven::load_filter;
using namespace haven::load_filter::testing;
using haven::cluster::NetnsCluster;

namespace {

const std::string kVip4 = "198.51.100.100";
const std::string kVip6 = "2001:db8::100";
constexpr int kTcpAddr = 7000;   // on_addr
constexpr int kTcpPort = 7002;   // on_port
constexpr int kUdpAddr = 7001;   // on_addr
constexpr int kUdpIpid = 7003;   // on_ipid
const std::vector<std::string> kNodes = {"node1", "node2", "node3"};

using Deal = std::vector<BucketSet>;  // per node

// Three equal shares: bucket b to node b % 3.
Deal equal_deal() {
  Deal deal(3);
  for (std::size_t b = 0; b < kBuckets; ++b) deal[b % 3].set(b);
  return deal;
}

// Node 3's buckets given to nodes 1 and 2, turn about; theirs stay where they were.
Deal without_node3(const Deal& before) {
  Deal deal = before;
  bool to_first = true;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    if (!before[2][b]) continue;
    deal[to_first ? 0 : 1].set(b);
    to_first = !to_first;
  }
  deal[2].reset();
  return deal;
}

// The client's source addresses: its own .101, .102-.126 and .96-.99 (lan1 is a /25: .127 is its
// broadcast address).
std::vector<std::string> ipv4_sources() {
  std::vector<std::string> out;
  for (int i = 101; i <= 126; ++i) out.push_back("198.51.100." + std::to_string(i));
  for (int i = 96; i <= 99; ++i) out.push_back("198.51.100." + std::to_string(i));
  return out;
}

std::vector<std::string> ipv6_sources() {
  std::vector<std::string> out;
  for (int i = 101; i <= 110; ++i) out.push_back("2001:db8::" + std::to_string(i));
  return out;
}

bool root_and_nft(std::string& why) {
  if (auto st = haven::cluster::netns_available(); !st) {
    why = "needs root and network namespaces: " + st.error().message;
    return false;
  }
  if (auto nft = NftSession::open(); !nft) {
    why = "needs libnftables: " + nft.error().message;
    return false;
  }
  return true;
}

// Three nodes and a client, with the VIPs, the test's own `table inet not_haven` on each node
// (counting the new connections and datagrams that get past haven's filter), and the service.
class FarmLan {
 public:
  explicit FarmLan(const std::string& name) {
    haven::cluster::Spec spec;
    spec.nodes = 3;
    spec.clients = 1;
    spec.name = name;
    auto made = NetnsCluster::create(spec);
    INFO((made ? std::string() : made.error().message));
    REQUIRE(made);
    cluster_ = std::make_unique<NetnsCluster>(std::move(made).value());
    for (const auto& node : kNodes) {
      sh(node, {"ip", "addr", "add", kVip4 + "/32", "dev", "eth0"});
      sh(node, {"ip", "-6", "addr", "add", kVip6 + "/64", "dev", "eth0", "nodad"});
      sh(node, {"nft", "add table inet not_haven\n"
                       "table inet not_haven {\n"
                       "  counter syn4 {}\n  counter syn6 {}\n  counter udp4 {}\n"
                       "  chain seen {\n"
                       "    type filter hook prerouting priority 0; policy accept;\n"
                       "    ip daddr " + kVip4 + " tcp flags & (syn | ack) == syn counter name \"syn4\"\n"
                       "    ip6 daddr " + kVip6 + " tcp flags & (syn | ack) == syn counter name \"syn6\"\n"
                       "    ip daddr " + kVip4 + " meta l4proto udp counter name \"udp4\"\n"
                       "  }\n}\n"});
    }
    for (const auto& source : ipv4_sources())
      if (source != host("client1").ipv4()) sh("client1", {"ip", "addr", "add", source + "/25", "dev", "eth0"});
    for (const auto& source : ipv6_sources())
      sh("client1", {"ip", "-6", "addr", "add", source + "/64", "dev", "eth0", "nodad"});
    for (const auto& node : kNodes)
      servers_.push_back(std::make_unique<WhoServer>(host(node).netns, node, std::vector<int>{kTcpAddr, kTcpPort}, kVip4,
                                                     std::vector<int>{kUdpAddr, kUdpIpid}));
    not_haven_before_ = not_haven_rules("node1");
  }

  ~FarmLan() {
    servers_.clear();  // before the namespaces go
    if (cluster_) {
      if (auto st = cluster_->destroy(); !st) std::fprintf(stderr, "cleanup: %s\n", st.error().message.c_str());
    }
  }

  haven::cluster::Host host(const std::string& name) const { return cluster_->host(name).value(); }
  std::string client_ns() const { return host("client1").netns; }

  // Runs a command in `host`; REQUIREs that it succeeds; returns its output.
  std::string sh(const std::string& on, const std::vector<std::string>& argv) {
    auto out = cluster_->run(on, argv);
    INFO((out ? out->describe() : out.error().message));
    REQUIRE(out);
    REQUIRE(out->ok());
    return out->out;
  }

  // The filter of node `index` (0-based) for `deal`, in `mode`.
  Spec spec_for(std::size_t index, const Deal& deal, MacMode mode) const {
    Spec s;
    s.module = "web";
    s.module_id = 1;
    s.interface = "eth0";
    s.node_ipv4 = host(kNodes[index]).ipv4();
    s.vips = {kVip4};
    if (mode == MacMode::vmac_invisible) s.vips.push_back(kVip6);
    s.mode = mode;
    s.node = kNodes[index];
    s.arp_owner = "node1";
    auto group = [&](const std::string& name, std::vector<Rule> rules) {
      Group g;
      g.name = name;
      g.rules = std::move(rules);
      g.mine = deal[index];
      if (mode == MacMode::vmac_directed && s.node == s.arp_owner) {
        for (std::size_t other = 0; other < kNodes.size(); ++other) {
          if (other == index) continue;
          PeerShare peer;
          peer.node = kNodes[other];
          peer.ipv4 = host(kNodes[other]).ipv4();
          peer.buckets = deal[other];
          g.peers.push_back(peer);
        }
      }
      s.groups.push_back(g);
    };
    Rule by_addr;
    by_addr.port = kTcpAddr;
    Rule by_port;
    by_port.port = kTcpPort;
    by_port.filter = HashKey::on_port;
    Rule udp_addr;
    udp_addr.port = kUdpAddr;
    udp_addr.proto = Protocol::udp;
    Rule udp_ipid;
    udp_ipid.port = kUdpIpid;
    udp_ipid.proto = Protocol::udp;
    udp_ipid.filter = HashKey::on_ipid;
    udp_ipid.virtual_addr = kVip4;
    group("by_addr", {by_addr});
    group("by_port", {by_port});
    group("udp", {udp_addr, udp_ipid});
    return s;
  }

  // apply() on every node, each inside its namespace.
  void apply_all(const Deal& deal, MacMode mode) {
    for (std::size_t i = 0; i < kNodes.size(); ++i) {
      haven::Status st;
      const Spec spec = spec_for(i, deal, mode);
      const std::string why = run_in_netns(host(kNodes[i]).netns, [&] { st = apply(spec); });
      INFO(kNodes[i] << ": " << why << (st ? std::string() : st.error().message));
      REQUIRE(why.empty());
      REQUIRE(st);
    }
  }

  // remove() on every node.
  void remove_all() {
    for (const auto& node : kNodes) {
      haven::Status st;
      const std::string why = run_in_netns(host(node).netns, [&] { st = haven::load_filter::remove("web"); });
      INFO(node << ": " << why << (st ? std::string() : st.error().message));
      REQUIRE(why.empty());
      REQUIRE(st);
    }
  }

  // A named counter of `node`'s not_haven table.
  long counter(const std::string& node, const std::string& name) {
    const std::string out = sh(node, {"nft", "list", "counter", "inet", "not_haven", name});
    std::smatch m;
    REQUIRE(std::regex_search(out, m, std::regex("packets ([0-9]+)")));
    return std::stol(m[1]);
  }
  long counter_sum(const std::string& name) {
    long sum = 0;
    for (const auto& node : kNodes) sum += counter(node, name);
    return sum;
  }

  std::string not_haven_rules(const std::string& node) {
    return sh(node, {"nft", "--stateless", "list", "table", "inet", "not_haven"});
  }
  const std::string& not_haven_before() const { return not_haven_before_; }

  // Which servers saw `local` on `port`.
  std::vector<std::string> seen_by(int port, const std::string& local) const {
    std::vector<std::string> out;
    for (const auto& server : servers_)
      for (const auto& s : server->seen())
        if (s.port == port && s.peer == local) out.push_back(server->name());
    return out;
  }

 private:
  std::unique_ptr<NetnsCluster> cluster_;
  std::vector<std::unique_ptr<WhoServer>> servers_;
  std::string not_haven_before_;
};

// One client connection's life: who answered each of its questions.
struct Conversation {
  std::string source;
  std::string local;
  std::string node;  // "" when it failed
  std::string failure;
};

// Opens `per_source` connections from each source to vip:port and asks three times on each.
std::vector<Conversation> converse(FarmLan& lan, const std::vector<std::string>& sources, int per_source,
                                   const std::string& vip, int port) {
  std::vector<Conversation> out;
  for (const auto& source : sources) {
    for (int k = 0; k < per_source; ++k) {
      Conversation c;
      c.source = source;
      std::string why;
      auto conn = WhoConnection::open(lan.client_ns(), source, vip, port, 2s, why);
      if (!conn) {
        c.failure = why;
        out.push_back(c);
        continue;
      }
      c.local = conn->local();
      for (int question = 0; question < 3 && c.failure.empty(); ++question) {
        const std::string answer = conn->ask(2s, why);
        if (answer.empty())
          c.failure = why;
        else if (c.node.empty())
          c.node = answer;
        else if (answer != c.node)
          c.failure = "answered by " + c.node + " then by " + answer;
      }
      if (!c.failure.empty()) c.node.clear();
      out.push_back(c);
    }
  }
  return out;
}

std::map<std::string, int> per_node(const std::vector<Conversation>& conversations) {
  std::map<std::string, int> counts;
  for (const auto& node : kNodes) counts[node] = 0;
  for (const auto& c : conversations)
    if (!c.node.empty()) ++counts[c.node];
  return counts;
}

void print_counts(const std::string& what, const std::map<std::string, int>& counts) {
  std::printf("%s:", what.c_str());
  for (const auto& [node, n] : counts) std::printf(" %s %d", node.c_str(), n);
  std::printf("\n");
  std::fflush(stdout);
}

// Every conversation answered, by the node whose server accepted it, and by that one only.
void check_answered_once(const FarmLan& lan, const std::vector<Conversation>& conversations, int port) {
  std::vector<std::string> problems;
  for (const auto& c : conversations) {
    if (!c.failure.empty()) {
      problems.push_back(c.source + ": " + c.failure);
      continue;
    }
    const auto seen = lan.seen_by(port, c.local);
    if (seen.size() != 1 || seen[0] != c.node)
      problems.push_back(c.local + " answered by " + c.node + " but accepted by " + std::to_string(seen.size()) +
                         " servers");
  }
  INFO("first problems: " << (problems.empty() ? "" : problems[0]) << (problems.size() > 1 ? " | " + problems[1] : ""));
  CHECK(problems.empty());
}

std::string client_neighbour(FarmLan& lan, const std::string& vip) {
  return lan.sh("client1", {"ip", "neigh", "show", vip, "dev", "eth0"});
}

std::string mac_of(FarmLan& lan, const std::string& host) {
  std::smatch m;
  const std::string out = lan.sh(host, {"ip", "-o", "link", "show", "eth0"});
  REQUIRE(std::regex_search(out, m, std::regex("link/ether ([0-9a-f:]{17})")));
  return m[1];
}

}  // namespace

TEST_CASE("vmac_invisible: each client reaches exactly one node, connections stay, a re-deal moves only new ones",
          "[load_filter][netns]") {
  std::string why;
  if (!root_and_nft(why)) {
    WARN("SKIPPED: " << why);
    return;
  }
  FarmLan lan("lfinv");
  const Deal deal = equal_deal();
  lan.apply_all(deal, MacMode::vmac_invisible);
  for (const auto& node : kNodes) CHECK(lan.sh(node, {"ip", "link", "show", "eth0"}).find("PROMISC") != std::string::npos);

  // on_addr over TCP: 30 source addresses, 4 connections each, 3 questions per connection.
  const long syn_before = lan.counter_sum("syn4");
  const auto by_addr = converse(lan, ipv4_sources(), 4, kVip4, kTcpAddr);
  const auto counts = per_node(by_addr);
  print_counts("on_addr TCP, 120 connections from 30 addresses, 3 equal shares", counts);
  check_answered_once(lan, by_addr, kTcpAddr);
  for (const auto& [node, n] : counts) {
    INFO(node);
    CHECK(n > 0);
  }
  // Each SYN got past the filter of one node only.
  CHECK(lan.counter_sum("syn4") - syn_before == static_cast<long>(by_addr.size()));
  // Session affinity: one source address, one node.
  std::map<std::string, std::set<std::string>> nodes_of_source;
  for (const auto& c : by_addr) nodes_of_source[c.source].insert(c.node);
  for (const auto& [source, nodes] : nodes_of_source) {
    INFO(source);
    CHECK(nodes.size() == 1);
  }
  // The client learnt the virtual MAC, not a node's.
  CHECK(client_neighbour(lan, kVip4).find("02:01:c6:33:64:64") != std::string::npos);

  // on_port: one source address spreads over several nodes.
  const auto by_port = converse(lan, {"198.51.100.101"}, 30, kVip4, kTcpPort);
  const auto port_counts = per_node(by_port);
  print_counts("on_port TCP, 30 connections from one address", port_counts);
  check_answered_once(lan, by_port, kTcpPort);
  int port_nodes = 0;
  for (const auto& [node, n] : port_counts) port_nodes += n > 0 ? 1 : 0;
  CHECK(port_nodes >= 2);

  // UDP on_addr: each datagram answered by exactly one node.
  {
    const long udp_before = lan.counter_sum("udp4");
    std::map<std::string, int> udp_counts;
    std::vector<std::string> problems;
    for (const auto& source : ipv4_sources()) {
      WhoDatagrams socket(lan.client_ns(), source, kVip4, kUdpAddr);
      const auto answers = socket.ask(300ms);
      if (answers.size() != 1) problems.push_back(source + ": " + std::to_string(answers.size()) + " answers");
      else ++udp_counts[answers[0]];
    }
    print_counts("on_addr UDP, 30 datagrams from 30 addresses", udp_counts);
    INFO((problems.empty() ? "" : problems[0]));
    CHECK(problems.empty());
    CHECK(lan.counter_sum("udp4") - udp_before == 30);
  }
  // UDP on_ipid: datagrams of one socket spread by their IP identification.
  {
    WhoDatagrams socket(lan.client_ns(), "198.51.100.101", kVip4, kUdpIpid);
    std::map<std::string, int> ipid_counts;
    int wrong = 0;
    for (int i = 0; i < 30; ++i) {
      const auto answers = socket.ask(200ms);
      if (answers.size() != 1) ++wrong;
      else ++ipid_counts[answers[0]];
    }
    print_counts("on_ipid UDP, 30 datagrams from one socket", ipid_counts);
    CHECK(wrong == 0);
    CHECK(ipid_counts.size() >= 2);
  }

  // A connection a node opens from the VIP gets its answers there (conntrack in the
  // prerouting hook), and does not rebind the VIP to a real MAC in the client's cache.
  {
    UniqueFd listener = socket_in(lan.client_ns(), AF_INET, SOCK_STREAM);
    socklen_t length = 0;
    const auto at = endpoint("198.51.100.101", 7100, length);
    const int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    REQUIRE(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&at), length) == 0);
    REQUIRE(::listen(listener.get(), 4) == 0);
    std::thread answering([&] {
      const int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      char buf[64];
      if (::recv(fd, buf, sizeof buf, 0) > 0) ::send(fd, "client\n", 7, MSG_NOSIGNAL);
      ::close(fd);
    });
    UniqueFd out = socket_in(lan.host("node2").netns, AF_INET, SOCK_STREAM);
    socklen_t vlen = 0;
    const auto from = endpoint(kVip4, 0, vlen);
    REQUIRE(::bind(out.get(), reinterpret_cast<const sockaddr*>(&from), vlen) == 0);
    timeval tv{2, 0};
    ::setsockopt(out.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(out.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const bool connected = ::connect(out.get(), reinterpret_cast<const sockaddr*>(&at), length) == 0;
    char buf[64] = {};
    const bool answered = connected && ::send(out.get(), "hi\n", 3, MSG_NOSIGNAL) == 3 &&
                          ::recv(out.get(), buf, sizeof buf - 1, 0) > 0;
    if (!connected) ::shutdown(listener.get(), SHUT_RDWR);  // unblocks accept
    answering.join();
    CHECK(connected);
    CHECK(answered);
    CHECK(std::string(buf) == "client\n");
    CHECK(client_neighbour(lan, kVip4).find("02:01:c6:33:64:64") != std::string::npos);
  }

  // IPv6, on_addr: neighbour discovery gives the virtual MAC too.
  {
    const long syn6_before = lan.counter_sum("syn6");
    const auto v6 = converse(lan, ipv6_sources(), 2, kVip6, kTcpAddr);
    const auto v6_counts = per_node(v6);
    print_counts("on_addr TCP over IPv6, 20 connections from 10 addresses", v6_counts);
    check_answered_once(lan, v6, kTcpAddr);
    CHECK(lan.counter_sum("syn6") - syn6_before == static_cast<long>(v6.size()));
    int v6_nodes = 0;
    for (const auto& [node, n] : v6_counts) v6_nodes += n > 0 ? 1 : 0;
    CHECK(v6_nodes >= 2);
    CHECK(client_neighbour(lan, kVip6).find("02:01:c6:33:64:64") != std::string::npos);
  }

  // Re-deal: node 3's buckets to nodes 1 and 2. Connections held by node 1 and by node 3
  // before it live on (conntrack keeps them where they are); new ones never reach node 3.
  std::optional<WhoConnection> held1, held3;
  std::string held_source1, held_source3;
  for (const auto& source : ipv4_sources()) {
    if (held1 && held3) break;
    std::string w;
    auto conn = WhoConnection::open(lan.client_ns(), source, kVip4, kTcpAddr, 2s, w);
    REQUIRE(conn);
    const std::string node = conn->ask(2s, w);
    if (node == "node1" && !held1) held1 = std::move(conn);
    else if (node == "node3" && !held3) held3 = std::move(conn);
  }
  REQUIRE(held1);
  REQUIRE(held3);
  lan.apply_all(without_node3(deal), MacMode::vmac_invisible);
  std::string w1, w3;
  CHECK(held1->ask(2s, w1) == "node1");
  INFO(w1);
  CHECK(held3->ask(2s, w3) == "node3");
  INFO(w3);
  const auto after = converse(lan, ipv4_sources(), 2, kVip4, kTcpAddr);
  const auto after_counts = per_node(after);
  print_counts("on_addr TCP after the re-deal (node 3 has no share), 60 connections", after_counts);
  check_answered_once(lan, after, kTcpAddr);
  CHECK(after_counts.at("node3") == 0);
  CHECK(after_counts.at("node1") > 0);
  CHECK(after_counts.at("node2") > 0);
  CHECK(held1->ask(2s, w1) == "node1");  // still there after 60 more connections
  held1.reset();
  held3.reset();

  // remove(): no haven table left, the test's own table as it was, promiscuous mode off.
  lan.remove_all();
  lan.remove_all();  // idempotent
  for (const auto& node : kNodes) {
    INFO(node);
    CHECK(lan.sh(node, {"nft", "list", "tables"}).find("haven_") == std::string::npos);
    CHECK(lan.sh(node, {"ip", "link", "show", "eth0"}).find("PROMISC") == std::string::npos);
  }
  CHECK(lan.not_haven_rules("node1") == lan.not_haven_before());
}

TEST_CASE("vmac_directed: the ARP owner answers ARP and forwards the other nodes' buckets to them",
          "[load_filter][netns]") {
  std::string why;
  if (!root_and_nft(why)) {
    WARN("SKIPPED: " << why);
    return;
  }
  FarmLan lan("lfdir");
  lan.apply_all(equal_deal(), MacMode::vmac_directed);
  for (const auto& node : kNodes) CHECK(lan.sh(node, {"ip", "link", "show", "eth0"}).find("PROMISC") == std::string::npos);

  const long syn_before = lan.counter_sum("syn4");
  const auto by_addr = converse(lan, ipv4_sources(), 2, kVip4, kTcpAddr);
  const auto counts = per_node(by_addr);
  print_counts("vmac_directed on_addr TCP, 60 connections from 30 addresses", counts);
  check_answered_once(lan, by_addr, kTcpAddr);
  for (const auto& [node, n] : counts) {
    INFO(node);
    CHECK(n > 0);
  }
  CHECK(lan.counter_sum("syn4") - syn_before == static_cast<long>(by_addr.size()));
  // Only the ARP owner answered the client's ARP, with its real MAC.
  CHECK(client_neighbour(lan, kVip4).find(mac_of(lan, "node1")) != std::string::npos);

  // on_port: the owner's ingress hash (packet fields) and the other nodes' (conntrack) agree.
  const auto by_port = converse(lan, {"198.51.100.101"}, 30, kVip4, kTcpPort);
  const auto port_counts = per_node(by_port);
  print_counts("vmac_directed on_port TCP, 30 connections from one address", port_counts);
  check_answered_once(lan, by_port, kTcpPort);
  int port_nodes = 0;
  for (const auto& [node, n] : port_counts) port_nodes += n > 0 ? 1 : 0;
  CHECK(port_nodes >= 2);

  lan.remove_all();
  for (const auto& node : kNodes) CHECK(lan.sh(node, {"nft", "list", "tables"}).find("haven_") == std::string::npos);
}
