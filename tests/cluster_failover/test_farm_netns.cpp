// A farm module on three real havend, each in its own network namespace, seen by a client
// host that sends from many source addresses to the one virtual IP: every node serves a share
// (the load filter keeps, on each node, only the clients whose bucket it owns), a client stays
// on its node while nothing changes, and when a node dies or stops its clients are served by
// the others, then spread again when it returns. Root only (WARN and skip otherwise).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "failover_pair.hpp"
#include "test_module.hpp"
#include "vip_poller.hpp"

using namespace std::chrono_literals;
using haven::netns_failover::Clock;
using haven::netns_failover::FailoverPair;
using haven::netns_failover::FarmWebSettings;
using haven::netns_failover::HttpAnswer;
using haven::netns_failover::PairModule;
using haven::netns_failover::PairSpec;
using haven::netns_failover::VipPoller;

namespace {

constexpr int kNodes = 3;
constexpr const char* kModule = "farmweb";

bool netns_usable() {
  if (auto st = haven::cluster::netns_available(); !st) {
    WARN("SKIPPED: these tests need root and network namespaces: " << st.error().message);
    return false;
  }
  return true;
}

// Client addresses 198.51.100.102-.126 (lan1 is a /25; .101 is client1's own): 26 clients.
std::vector<std::string> client_sources() {
  std::vector<std::string> out{"198.51.100.101"};
  for (int i = 102; i <= 126; ++i) out.push_back("198.51.100." + std::to_string(i));
  return out;
}

// `pair_lan`: a second lan, "lan2", on node1 and node2 only (for a mirror module beside the farm).
std::unique_ptr<FailoverPair> farm(const std::string& name, FarmWebSettings settings = {}, bool pair_lan = false) {
  PairSpec spec;
  spec.name = name;
  const char* build = std::getenv("HAVEN_BUILD_DIR");
  REQUIRE(build != nullptr);
  spec.build_dir = build;
  spec.nodes = kNodes;
  spec.lans = pair_lan ? 2 : 1;
  spec.lan2_nodes = pair_lan ? 2 : 0;
  auto made = FailoverPair::create([&] {
    // The VIP is the lan's first spare address, as for the mirror tests.
    settings.vip = "198.51.100.50";
    settings.nodes = kNodes;
    spec.module.vip = settings.vip;
    spec.custom_module = PairModule{kModule, {haven::netns_failover::farm_web_userconfig(settings),
                                              haven::netns_failover::farm_web_hooks()}};
    return spec;
  }());
  if (!made) FAIL(made.error().message);
  auto cluster = std::move(made).value();
  for (const auto& source : client_sources()) {
    if (source == "198.51.100.101") continue;
    auto added = cluster->cluster().run("client1", {"ip", "addr", "add", source + "/25", "dev", "eth0"});
    REQUIRE(added.ok());
    INFO(added->describe());
    REQUIRE(added->ok());
  }
  return cluster;
}

std::string all_logs(FailoverPair& f) {
  std::string out;
  for (int n = 1; n <= f.nodes(); ++n) out += f.describe_node(n, 30);
  return out;
}

void start_everywhere(FailoverPair& f) {
  for (int n = 1; n <= f.nodes(); ++n) {
    auto r = f.haven(n, {"start", "-m", kModule, "--no-wait"});
    INFO(r.describe());
    REQUIRE(r.ok());
  }
  for (int n = 1; n <= f.nodes(); ++n) {
    auto s = f.wait_for(n, "UP", "Ready", 30s);
    INFO(s.raw.dump() << "\n" << all_logs(f));
    REQUIRE(s.describe() == "UP Ready");
  }
}

// The share of group FarmProto_0 node n's agent says it serves, -1 when it says none.
int owned_buckets(FailoverPair& f, int n) {
  auto s = f.state(n);
  auto load = s.raw.find("load");
  if (load == s.raw.end() || !load->is_array() || load->empty()) return -1;
  return (*load)[0].value("owned", -1);
}

// Waits until the nodes in `serving` own every bucket between them and the others none.
bool deal_settles(FailoverPair& f, const std::set<int>& serving, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int total = 0;
    bool others_idle = true;
    for (int n = 1; n <= f.nodes(); ++n) {
      const int owned = owned_buckets(f, n);
      if (serving.count(n)) total += std::max(owned, 0);
      else if (owned > 0) others_idle = false;
    }
    if (total == 256 && others_idle) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

std::unique_ptr<VipPoller> poll_from_every_source(FailoverPair& f) {
  auto started = VipPoller::start({.netns = f.netns("client1"),
                                   .address = f.vip(),
                                   .interval = std::chrono::milliseconds(8),
                                   .request_timeout = std::chrono::milliseconds(400),
                                   .sources = client_sources()});
  if (!started) FAIL(started.error().message);
  return std::move(started).value();
}

// Which node served each source, from the answers to requests sent in [from, to).
std::map<std::string, std::set<std::string>> servers_by_source(const VipPoller& poller, Clock::time_point from,
                                                              Clock::time_point to) {
  std::map<std::string, std::set<std::string>> out;
  for (const HttpAnswer& a : poller.answers_since(from))
    if (a.sent < to) {
      const auto at = a.body.find("served by ");
      if (at != std::string::npos) out[a.source].insert(a.body.substr(at + 10, a.body.find('\n', at) - at - 10));
    }
  return out;
}

std::string describe(const std::map<std::string, std::set<std::string>>& by_source) {
  std::string out;
  for (const auto& [source, nodes] : by_source) {
    out += source + ":";
    for (const auto& n : nodes) out += " " + n;
    out += "\n";
  }
  return out;
}

// Requests sent during `window`, from now: each source answered by exactly one node, and the
// set of nodes that served.
std::set<std::string> observe_stable_spread(FailoverPair& f, VipPoller& poller, std::chrono::milliseconds window) {
  const auto from = Clock::now();
  std::this_thread::sleep_for(window);
  const auto by_source = servers_by_source(poller, from, Clock::now() - 500ms);
  INFO(describe(by_source) << all_logs(f));
  CHECK(by_source.size() == client_sources().size());  // every client was served
  std::set<std::string> nodes;
  for (const auto& [source, served] : by_source) {
    CHECK(served.size() == 1);  // a client stays on its node while nothing changes
    nodes.insert(served.begin(), served.end());
  }
  return nodes;
}

}  // namespace

TEST_CASE("a three-node farm spreads its clients, keeps each on its node, and survives kill -9 of a node",
          "[netns][farm]") {
  if (!netns_usable()) return;
  auto f = farm("farmkill");
  start_everywhere(*f);
  REQUIRE(deal_settles(*f, {1, 2, 3}, 10s));
  for (int n = 1; n <= kNodes; ++n) {
    INFO("node" << n);
    CHECK(owned_buckets(*f, n) >= 80);  // equal power: 85 or 86 each
    auto held = f->holds_vip(n);
    REQUIRE(held.ok());
    CHECK(*held);  // the VIP is on every node
    CHECK(f->module_log(n).find("farm membership: node1 node2 node3") != std::string::npos);
  }
  auto poller = poll_from_every_source(*f);
  const auto spread = observe_stable_spread(*f, *poller, 3s);
  CHECK(spread == std::set<std::string>{"node1", "node2", "node3"});

  // node3 dies: every process in it killed, and its cable pulled, since a namespace's kernel
  // outlives its processes (it would still hold the VIP and refuse node3's clients with resets,
  // which a dead machine does not). The others deal its buckets between them.
  auto killed = f->kill_node(3);
  REQUIRE(killed.ok());
  REQUIRE(f->cluster().cut_link("node3").ok());
  REQUIRE(deal_settles(*f, {1, 2}, 15s));
  std::this_thread::sleep_for(1s);  // requests in flight to node3 when it died time out first
  const auto survivors = observe_stable_spread(*f, *poller, 3s);
  CHECK(survivors == std::set<std::string>{"node1", "node2"});
  CHECK(f->module_log(1).find("farm membership: node1 node2 ") != std::string::npos);

  // node3 comes back: it boots (the agent's start removes what the dead one left: its VIP and
  // filter), is plugged in, the module starts, and the load spreads over three again.
  REQUIRE(f->restart_node(3).ok());
  auto r = f->haven(3, {"start", "-m", kModule});
  INFO(r.describe() << all_logs(*f));
  REQUIRE(r.ok());
  REQUIRE(f->cluster().restore_link("node3").ok());
  REQUIRE(deal_settles(*f, {1, 2, 3}, 15s));
  std::this_thread::sleep_for(1s);
  const auto back = observe_stable_spread(*f, *poller, 3s);
  CHECK(back == std::set<std::string>{"node1", "node2", "node3"});
}

TEST_CASE("a farm node stopped by its administrator gives its clients to the others and takes them back on start",
          "[netns][farm]") {
  if (!netns_usable()) return;
  auto f = farm("farmstop");
  start_everywhere(*f);
  REQUIRE(deal_settles(*f, {1, 2, 3}, 10s));
  auto poller = poll_from_every_source(*f);

  auto r = f->haven(2, {"stop", "-m", kModule});
  INFO(r.describe());
  REQUIRE(r.ok());
  REQUIRE(deal_settles(*f, {1, 3}, 10s));
  auto held = f->holds_vip(2);
  REQUIRE(held.ok());
  CHECK_FALSE(*held);
  // The stopped node's filter is gone with its address.
  auto tables = f->cluster().run("node2", {"nft", "list", "tables"});
  REQUIRE(tables.ok());
  CHECK(tables->out.find("haven_") == std::string::npos);
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node3"});

  r = f->haven(2, {"start", "-m", kModule});
  INFO(r.describe());
  REQUIRE(r.ok());
  REQUIRE(deal_settles(*f, {1, 2, 3}, 15s));
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node2", "node3"});
}

TEST_CASE("a partitioned farm gives each side the whole load; healed, the sides share it again", "[netns][farm]") {
  if (!netns_usable()) return;
  auto f = farm("farmpart");
  start_everywhere(*f);
  REQUIRE(deal_settles(*f, {1, 2, 3}, 10s));
  REQUIRE(f->cluster().partition({{"node1", "node2", "client1"}, {"node3"}}).ok());
  // Each side deals all 256 buckets among its own members.
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline && !(owned_buckets(*f, 3) == 256 && owned_buckets(*f, 1) + owned_buckets(*f, 2) == 256))
    std::this_thread::sleep_for(200ms);
  INFO(all_logs(*f));
  CHECK(owned_buckets(*f, 3) == 256);
  CHECK(owned_buckets(*f, 1) + owned_buckets(*f, 2) == 256);
  auto poller = poll_from_every_source(*f);
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node2"});

  REQUIRE(f->cluster().heal().ok());
  REQUIRE(deal_settles(*f, {1, 2, 3}, 15s));
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node2", "node3"});
}

TEST_CASE("a failover rule that holds one farm node takes only that node out; released, it serves again",
          "[netns][farm]") {
  if (!netns_usable()) return;
  FarmWebSettings settings;
  settings.service_children =
      "    <failover period=\"100ms\" handle_time=\"200ms\"><![CDATA[\n"
      "      app_sick: if (custom.app == down) then wait();\n"
      "    ]]></failover>\n";
  auto f = farm("farmrule", settings);
  start_everywhere(*f);
  REQUIRE(deal_settles(*f, {1, 2, 3}, 10s));
  auto poller = poll_from_every_source(*f);

  auto r = f->haven(2, {"set", "-r", "custom.app", "-v", "down", "-m", kModule});
  INFO(r.describe());
  REQUIRE(r.ok());
  auto held = f->wait_for(2, "WAIT", "", 10s);
  INFO(held.raw.dump() << "\n" << all_logs(*f));
  CHECK(held.state == "WAIT");
  CHECK(held.raw.value("reason", "").find("app_sick") != std::string::npos);
  REQUIRE(deal_settles(*f, {1, 3}, 10s));
  for (int n : {1, 3}) CHECK(f->state(n).describe() == "UP Ready");  // the others stay
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node3"});

  r = f->haven(2, {"set", "-r", "custom.app", "-v", "up", "-m", kModule});
  REQUIRE(r.ok());
  CHECK(f->wait_for(2, "UP", "Ready", 15s).describe() == "UP Ready");
  REQUIRE(deal_settles(*f, {1, 2, 3}, 15s));
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node2", "node3"});
}

TEST_CASE("a farm on three nodes and a mirror module on two of them run side by side", "[netns][farm][mirror]") {
  if (!netns_usable()) return;
  auto f = farm("farmmir", {}, true);
  // The mirror: heartbeats on lan2 (node1 and node2 only), its own VIP and web server port.
  constexpr int kMirrorPort = 8080;
  const std::string mirror_vip = "198.51.100.51";
  const std::string mirror_config =
      "<!DOCTYPE safe>\n<safe>\n"
      "  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"10\" failover=\"on\">\n"
      "    <heart pulse=\"100ms\" timeout=\"500ms\"><heartbeat name=\"lan2\" ident=\"flow\"/></heart>\n"
      "    <vip><interface_list><interface check=\"off\"><real_interface>\n"
      "      <virtual_addr addr=\"" + mirror_vip + "\" where=\"one_side_alias\" check=\"off\"/>\n"
      "    </real_interface></interface></interface_list></vip>\n"
      "    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n"
      "  </service>\n</safe>\n";
  for (int n = 1; n <= 2; ++n) {
    const auto archive = haven::test::pack_module(f->root(n) / "work", "pairweb",
                                                  {mirror_config, haven::netns_failover::web_hooks(kMirrorPort)});
    auto r = f->haven(n, {"module", "install", "-m", "pairweb", archive.string()});
    INFO(r.describe());
    REQUIRE(r.ok());
  }
  start_everywhere(*f);
  REQUIRE(deal_settles(*f, {1, 2, 3}, 10s));
  REQUIRE(f->haven(2, {"start", "-m", "pairweb"}).ok());
  REQUIRE(f->haven(1, {"prim", "-m", "pairweb"}).ok());

  auto mirror_state = [&](int n) {
    auto out = f->haven(n, {"--json", "state", "-m", "pairweb"});
    auto j = nlohmann::json::parse(out.out, nullptr, false);
    return j.is_array() && !j.empty() ? j[0].value("state", "?") + " " + j[0].value("substate", "") : out.describe();
  };
  auto wait_mirror = [&](int n, const std::string& want) {
    const auto deadline = Clock::now() + 30s;
    while (mirror_state(n) != want && Clock::now() < deadline) std::this_thread::sleep_for(200ms);
    return mirror_state(n);
  };
  INFO(all_logs(*f));
  REQUIRE(wait_mirror(1, "PRIM Ready") == "PRIM Ready");
  REQUIRE(wait_mirror(2, "SECOND Ready") == "SECOND Ready");

  auto farm_clients = poll_from_every_source(*f);
  auto mirror_client = VipPoller::start({.netns = f->netns("client1"), .address = mirror_vip, .port = kMirrorPort});
  if (!mirror_client) FAIL(mirror_client.error().message);
  REQUIRE((*mirror_client)->wait_for_answer("served by node1", Clock::now(), 10s).has_value());
  CHECK(observe_stable_spread(*f, *farm_clients, 3s) == std::set<std::string>{"node1", "node2", "node3"});

  // The mirror fails over to node2; the farm does not notice.
  const auto stopped_at = Clock::now();
  REQUIRE(f->haven(1, {"stop", "-m", "pairweb"}).ok());
  CHECK(wait_mirror(2, "ALONE Ready") == "ALONE Ready");
  REQUIRE((*mirror_client)->wait_for_answer("served by node2", stopped_at, 10s).has_value());
  for (int n = 1; n <= kNodes; ++n) CHECK(f->state(n).describe() == "UP Ready");
  CHECK(observe_stable_spread(*f, *farm_clients, 3s) == std::set<std::string>{"node1", "node2", "node3"});
}

TEST_CASE("a farm node whose cable is pulled leaves the farm (its interface checker holds it); plugged back, it "
          "serves again",
          "[netns][farm]") {
  if (!netns_usable()) return;
  FarmWebSettings settings;
  settings.service_children = "    <failover period=\"100ms\" handle_time=\"300ms\"/>\n";
  auto f = farm("farmcut", settings);
  start_everywhere(*f);
  REQUIRE(deal_settles(*f, {1, 2, 3}, 10s));
  auto poller = poll_from_every_source(*f);

  REQUIRE(f->cluster().cut_link("node3").ok());
  // The two others deal node3's buckets between them...
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline && owned_buckets(*f, 1) + owned_buckets(*f, 2) != 256)
    std::this_thread::sleep_for(200ms);
  INFO(all_logs(*f));
  REQUIRE(owned_buckets(*f, 1) + owned_buckets(*f, 2) == 256);
  // ...and node3, without a carrier, is held in WAIT by interface_failure: no VIP, no share.
  auto held = f->wait_for(3, "WAIT", "", 15s);
  INFO(held.raw.dump());
  CHECK(held.state == "WAIT");
  CHECK(held.raw.value("reason", "").find("interface_failure") != std::string::npos);
  auto vip3 = f->holds_vip(3);
  REQUIRE(vip3.ok());
  CHECK_FALSE(*vip3);
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node2"});

  REQUIRE(f->cluster().restore_link("node3").ok());
  CHECK(f->wait_for(3, "UP", "Ready", 30s).describe() == "UP Ready");
  REQUIRE(deal_settles(*f, {1, 2, 3}, 15s));
  std::this_thread::sleep_for(1s);
  CHECK(observe_stable_spread(*f, *poller, 3s) == std::set<std::string>{"node1", "node2", "node3"});
}
