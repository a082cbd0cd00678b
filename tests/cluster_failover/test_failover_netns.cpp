// Failover of a mirror module between two real havend on hosts made of network namespaces,
// seen by a client polling http://VIP/: the web server the module's hooks start answers
// "served by <node>", so the client knows who serves it. Root only (WARN and skip otherwise).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "failover_pair.hpp"
#include "vip_poller.hpp"

using namespace std::chrono_literals;
using haven::netns_failover::Clock;
using haven::netns_failover::FailoverPair;
using haven::netns_failover::PairSpec;
using haven::netns_failover::served_by;
using haven::netns_failover::VipPoller;

namespace {

bool netns_usable() {
  if (auto st = haven::cluster::netns_available(); !st) {
    WARN("SKIPPED: these tests need root and network namespaces: " << st.error().message);
    return false;
  }
  return true;
}

PairSpec spec_named(const std::string& name) {
  PairSpec spec;
  spec.name = name;
  const char* build = std::getenv("HAVEN_BUILD_DIR");
  REQUIRE(build != nullptr);
  spec.build_dir = build;
  return spec;
}

std::unique_ptr<FailoverPair> paired(const PairSpec& spec) {
  auto made = FailoverPair::create(spec);
  if (!made) FAIL(made.error().message);
  auto pair = std::move(made).value();
  auto up = pair->pair_up();
  if (!up) FAIL(up.error().message);
  return pair;
}

std::unique_ptr<VipPoller> poll_vip(FailoverPair& pair, const std::string& client = "client1") {
  auto started = VipPoller::start({.netns = pair.netns(client), .address = pair.vip()});
  if (!started) FAIL(started.error().message);
  return std::move(started).value();
}

bool holds_vip(FailoverPair& pair, int n) {
  auto held = pair.holds_vip(n);
  if (!held) FAIL(held.error().message);
  return *held;
}

// Polls until `done` or `timeout`; the tests wait for states, never for a fixed time.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

void require_served_by(const VipPoller& poller, const std::string& node, Clock::time_point after, FailoverPair& pair) {
  auto answer = poller.wait_for_answer(served_by(node), after, 20s);
  const auto last = poller.last_answer();
  INFO("last answer: " << (last ? last->body : std::string("none")) << "; requests sent " << poller.counts().sent
                       << ", answered " << poller.counts().answered << "\n"
                       << pair.describe_node(1) << pair.describe_node(2));
  REQUIRE(answer.has_value());
}

}  // namespace

TEST_CASE("after kill -9 of every process of the primary node, the client is served by the other node at the VIP",
          "[netns][failover]") {
  if (!netns_usable()) return;
  auto pair = paired(spec_named("fokill"));
  auto poller = poll_vip(*pair);
  require_served_by(*poller, "node1", Clock::now(), *pair);

  auto killed_at = pair->kill_node(1);
  if (!killed_at) FAIL(killed_at.error().message);
  require_served_by(*poller, "node2", *killed_at, *pair);

  auto s2 = pair->wait_for(2, "ALONE", "Ready", 10s);
  INFO(s2.raw.dump() << "\n" << pair->describe_node(2));
  CHECK(s2.describe() == "ALONE Ready");
  CHECK(holds_vip(*pair, 2));
  // Nothing served by node1 any more: every answer after the takeover names node2.
  const auto after = Clock::now();
  REQUIRE(poller->wait_for_answer(served_by("node2"), after, 5s).has_value());
  CHECK_FALSE(poller->first_answer(served_by("node1"), after).has_value());
}

TEST_CASE("a cut link fails the primary over; plugged back, it returns as SECOND without the VIP",
          "[netns][failover]") {
  if (!netns_usable()) return;
  auto pair = paired(spec_named("focut"));
  auto poller = poll_vip(*pair);
  require_served_by(*poller, "node1", Clock::now(), *pair);

  const auto cut_at = Clock::now();
  REQUIRE(pair->cluster().cut_link("node1").ok());
  require_served_by(*poller, "node2", cut_at, *pair);
  // Cut off, node1 loses the carrier of the VIP's interface: the generated intf checker's
  // rule interface_failure holds it in WAIT, so it gives the VIP up even without its peer.
  auto held = pair->wait_for(1, "WAIT", "", 15s);
  INFO(held.raw.dump() << "\n" << pair->describe_node(1));
  CHECK(held.state == "WAIT");
  CHECK(eventually([&] { return !holds_vip(*pair, 1); }, 10s));
  CHECK(pair->module_log(1).find("interface_failure") != std::string::npos);

  REQUIRE(pair->cluster().restore_link("node1").ok());
  auto back = pair->wait_for(1, "SECOND", "Ready", 30s);
  INFO(back.raw.dump() << "\n" << pair->describe_node(1) << pair->describe_node(2));
  CHECK(back.describe() == "SECOND Ready");
  CHECK(pair->wait_for(2, "PRIM", "Ready", 15s).describe() == "PRIM Ready");
  CHECK_FALSE(holds_vip(*pair, 1));
  CHECK(holds_vip(*pair, 2));
  const auto after = Clock::now();
  REQUIRE(poller->wait_for_answer(served_by("node2"), after, 5s).has_value());
  CHECK_FALSE(poller->first_answer(served_by("node1"), after).has_value());
}

TEST_CASE("a partition without a witness makes both nodes ALONE; healed, one primary remains and holds the VIP",
          "[netns][failover]") {
  if (!netns_usable()) return;
  auto pair = paired(spec_named("fopart"));
  REQUIRE(pair->cluster().partition({{"node1"}, {"node2", "client1"}}).ok());
  auto s1 = pair->wait_for(1, "ALONE", "Ready", 15s);
  auto s2 = pair->wait_for(2, "ALONE", "Ready", 15s);
  INFO(s1.raw.dump() << "\n" << s2.raw.dump() << "\n" << pair->describe_node(1) << pair->describe_node(2));
  CHECK(s1.describe() == "ALONE Ready");
  REQUIRE(s2.describe() == "ALONE Ready");
  // Split brain: each side holds the VIP in its own namespace; the client's side is served by node2.
  CHECK(holds_vip(*pair, 1));
  CHECK(holds_vip(*pair, 2));
  auto poller = poll_vip(*pair);
  require_served_by(*poller, "node2", Clock::now(), *pair);

  REQUIRE(pair->cluster().heal().ok());
  // docs/states.md "Split brain healed": the newer generation stays primary. node2's
  // failover made a new generation; node1 only lost its secondary. node1 steps down.
  auto second = pair->wait_for(1, "SECOND", "Ready", 30s);
  auto prim = pair->wait_for(2, "PRIM", "Ready", 15s);
  INFO(second.raw.dump() << "\n" << prim.raw.dump() << "\n" << pair->describe_node(1) << pair->describe_node(2));
  CHECK(second.describe() == "SECOND Ready");
  CHECK(prim.describe() == "PRIM Ready");
  CHECK(pair->module_log(1).find("split brain healed") != std::string::npos);
  CHECK_FALSE(holds_vip(*pair, 1));
  CHECK(holds_vip(*pair, 2));
  const auto after = Clock::now();
  REQUIRE(poller->wait_for_answer(served_by("node2"), after, 5s).has_value());
  CHECK_FALSE(poller->first_answer(served_by("node1"), after).has_value());
}

TEST_CASE("the primary's VIP interface brought down triggers interface_failure: the peer takes over over lan2",
          "[netns][failover]") {
  if (!netns_usable()) return;
  auto pair = paired(spec_named("fointf"));
  auto poller = poll_vip(*pair);
  require_served_by(*poller, "node1", Clock::now(), *pair);

  const auto down_at = Clock::now();
  auto down = pair->cluster().run("node1", {"ip", "link", "set", "eth0", "down"});
  REQUIRE(down.ok());
  REQUIRE(down->ok());
  // The heartbeats still flow on lan2: node2 sees its peer stop and wait, not a lost peer.
  require_served_by(*poller, "node2", down_at, *pair);
  auto held = pair->wait_for(1, "WAIT", "NotReady", 15s);
  INFO(held.raw.dump() << "\n" << pair->describe_node(1) << pair->describe_node(2));
  CHECK(held.state == "WAIT");
  CHECK(held.raw.value("reason", "").find("interface_failure") != std::string::npos);
  CHECK(pair->module_log(1).find("Action wait called by failover rule interface_failure") != std::string::npos);
  CHECK_FALSE(holds_vip(*pair, 1));
  CHECK(pair->wait_for(2, "ALONE", "Ready", 10s).describe() == "ALONE Ready");
  CHECK(pair->module_log(2).find("Action alone called by heart: peer node1 is WAIT") != std::string::npos);

  // Brought up again, the rule lets node1 go: it joins node2 as SECOND.
  auto up = pair->cluster().run("node1", {"ip", "link", "set", "eth0", "up"});
  REQUIRE(up.ok());
  REQUIRE(up->ok());
  auto back = pair->wait_for(1, "SECOND", "Ready", 30s);
  INFO(back.raw.dump() << "\n" << pair->describe_node(1));
  CHECK(back.describe() == "SECOND Ready");
  CHECK_FALSE(holds_vip(*pair, 1));
}

TEST_CASE("a partition with a witness leaves one primary: the side that reaches the witness; the other waits",
          "[netns][failover]") {
  if (!netns_usable()) return;
  PairSpec spec = spec_named("fowit");
  spec.witness = true;  // client2
  spec.module.service_children = std::string("    <check><splitbrain ident=\"witness\" exec=\"ping\" arg=\"") +
                                 haven::netns_failover::kWitnessMark + "\" timeout=\"400ms\"/></check>\n";
  auto pair = paired(spec);
  REQUIRE(pair->cluster().partition({{"node1", "client1", "client2"}, {"node2"}}).ok());
  // node2 loses every heartbeat and reaches no witness: it waits, and never takes the VIP.
  auto held = pair->wait_for(2, "WAIT", "NotReady", 15s);
  auto alone = pair->wait_for(1, "ALONE", "Ready", 15s);
  INFO(held.raw.dump() << "\n" << alone.raw.dump() << "\n" << pair->describe_node(1) << pair->describe_node(2));
  CHECK(held.describe() == "WAIT NotReady");
  CHECK(held.raw.value("reason", "").find("splitbrain_failure") != std::string::npos);
  CHECK(alone.describe() == "ALONE Ready");
  CHECK_FALSE(holds_vip(*pair, 2));
  CHECK(holds_vip(*pair, 1));
  auto poller = poll_vip(*pair);
  require_served_by(*poller, "node1", Clock::now(), *pair);

  REQUIRE(pair->cluster().heal().ok());
  auto second = pair->wait_for(2, "SECOND", "Ready", 30s);
  auto prim = pair->wait_for(1, "PRIM", "Ready", 15s);
  INFO(second.raw.dump() << "\n" << prim.raw.dump() << "\n" << pair->describe_node(1) << pair->describe_node(2));
  CHECK(second.describe() == "SECOND Ready");
  CHECK(prim.describe() == "PRIM Ready");
  CHECK_FALSE(holds_vip(*pair, 2));
  CHECK(holds_vip(*pair, 1));
  const auto after = Clock::now();
  REQUIRE(poller->wait_for_answer(served_by("node1"), after, 5s).has_value());
  CHECK_FALSE(poller->first_answer(served_by("node2"), after).has_value());
}
