// Farm membership over loopback UDP: MembershipLinks on 127.0.0.1, .2, .3 (one per node, one
// io_context) with a 20 ms pulse, slost_count 5 and mlost_count 10. Every wait is bounded.
#include <catch2/catch.hpp>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <map>
#include <thread>

#include "agent/membership_link.hpp"
#include "test_key.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

// The port of this test only (no other test of the build uses 29821), on every node's address.
constexpr unsigned short kPort = 29821;
constexpr auto kPulse = 20ms;
constexpr int kSlost = 5;
constexpr int kMlost = 10;

HeartbeatSocket::Endpoint at(const std::string& address) {
  return {boost::asio::ip::make_address(address), kPort};
}

// "node3" lives at 127.0.0.3.
HeartbeatSocket::Endpoint endpoint_of(const std::string& node) { return at("127.0.0." + node.substr(4)); }

MembershipLinkConfig config_for(const std::string& self, const std::vector<std::string>& nodes,
                                std::uint8_t key_byte = 8) {
  MembershipLinkConfig c;
  c.local_node = self;
  c.module = "farm";
  c.module_id = 1;
  c.pulse = kPulse;
  c.mlost_count = kMlost;
  c.slost_count = kSlost;
  MembershipLan lan{"default", endpoint_of(self), {}};
  for (const auto& node : nodes)
    if (node != self) lan.peers.emplace_back(node, endpoint_of(node));
  c.lans.push_back(std::move(lan));
  c.key = test::key_filled_with(key_byte);
  return c;
}

struct Seen {
  std::chrono::steady_clock::time_point when;
  std::vector<PeerView> view;
};

struct Node {
  LocalModuleStatus status;
  std::chrono::steady_clock::time_point started;
  std::vector<Seen> views;
  std::vector<std::string> log;
  std::unique_ptr<MembershipLink> link;

  Node(boost::asio::io_context& io, MembershipLinkConfig config) {
    status.state = ModuleState::wait;
    status.sub = SubState::transient;
    auto opened = MembershipLink::open(
        io, std::move(config), [this] { return status; },
        [this](const std::vector<PeerView>& v) { views.push_back({std::chrono::steady_clock::now(), v}); },
        [this](LogLevel, const std::string& line) { log.push_back(line); });
    REQUIRE(opened.ok());
    link = std::move(*opened);
    started = std::chrono::steady_clock::now();
    link->start();
  }

  const PeerView* latest(const std::string& node) const {
    if (views.empty()) return nullptr;
    for (const auto& p : views.back().view)
      if (p.node == node) return &p;
    return nullptr;
  }
  bool sees(const std::string& node) const {
    auto p = latest(node);
    return p != nullptr && p->reachable;
  }
  bool lost(const std::string& node) const {
    auto p = latest(node);
    return p != nullptr && !p->reachable;
  }
  // When the views first said `node` is unreachable after `since`.
  std::optional<std::chrono::steady_clock::time_point> lost_at(const std::string& node,
                                                               std::chrono::steady_clock::time_point since) const {
    for (const auto& seen : views) {
      if (seen.when < since) continue;
      for (const auto& p : seen.view)
        if (p.node == node && !p.reachable) return seen.when;
    }
    return std::nullopt;
  }
  bool ever_saw(const std::string& node) const {
    return std::any_of(views.begin(), views.end(), [&](const Seen& s) {
      return std::any_of(s.view.begin(), s.view.end(), [&](const PeerView& p) { return p.node == node && p.reachable; });
    });
  }
  bool logged(const std::string& fragment) const {
    return std::any_of(log.begin(), log.end(),
                       [&](const std::string& l) { return l.find(fragment) != std::string::npos; });
  }
};

// Runs the loop until `done` or 5 s: a bound, not a timing assertion.
template <typename Predicate>
bool run_until(boost::asio::io_context& io, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(5ms);
  }
  return true;
}

void run_for(boost::asio::io_context& io, std::chrono::milliseconds span) {
  const auto end = std::chrono::steady_clock::now() + span;
  while (std::chrono::steady_clock::now() < end) io.run_for(5ms);
}

const std::vector<std::string> kThree{"node1", "node2", "node3"};

}  // namespace

TEST_CASE("three nodes see each other, and a state set on one reaches the others", "[membership_link]") {
  boost::asio::io_context io;
  Node one(io, config_for("node1", kThree));
  Node two(io, config_for("node2", kThree));
  Node three(io, config_for("node3", kThree));
  REQUIRE(run_until(io, [&] {
    return one.sees("node2") && one.sees("node3") && two.sees("node1") && two.sees("node3") && three.sees("node1") &&
           three.sees("node2");
  }));
  for (const Node* n : {&one, &two, &three}) {
    // Every peer was heard within the first slost period, so the first view already has them all.
    REQUIRE_FALSE(n->views.empty());
    CHECK(std::all_of(n->views.front().view.begin(), n->views.front().view.end(),
                      [](const PeerView& p) { return p.reachable; }));
    CHECK(n->logged("farm membership: node1 node2 node3 (module farm)"));
  }
  REQUIRE(one.views.back().view.size() == 2);
  CHECK(one.views.back().view[0].node == "node2");  // configuration order
  CHECK(one.latest("node2")->state == ModuleState::wait);
  CHECK(one.link->view().size() == 2);

  two.status.state = ModuleState::up;
  two.status.sub = SubState::ready;
  two.status.knowledge.generation = 42;
  two.link->send_now();
  REQUIRE(run_until(io, [&] {
    return one.latest("node2")->state == ModuleState::up && three.latest("node2")->state == ModuleState::up;
  }));
  CHECK(one.latest("node2")->sub == SubState::ready);
  CHECK(three.latest("node2")->knowledge.generation == 42);
  CHECK(one.link->dropped(DropReason::bad_mac) == 0);
}

TEST_CASE("the first view waits one slost period for a peer that stays silent", "[membership_link]") {
  boost::asio::io_context io;
  const std::vector<std::string> nodes{"node1", "node2", "node4"};  // node4 never runs
  Node one(io, config_for("node1", nodes));
  Node two(io, config_for("node2", nodes));
  REQUIRE(run_until(io, [&] { return !one.views.empty(); }));
  CHECK(one.views.front().when - one.started >= kPulse * kSlost);
  CHECK(one.sees("node2"));
  CHECK(one.lost("node4"));
  CHECK(one.logged("farm membership: node1 node2 (module farm)"));
}

TEST_CASE("a node that goes is lost after slost pulses, the master after mlost, and a node that comes back is seen",
          "[membership_link]") {
  boost::asio::io_context io;
  auto one = std::make_unique<Node>(io, config_for("node1", kThree));
  Node two(io, config_for("node2", kThree));
  auto three = std::make_unique<Node>(io, config_for("node3", kThree));
  REQUIRE(run_until(io, [&] { return one->sees("node3") && two.sees("node3") && two.sees("node1"); }));

  // node3's last pulse goes out now, so it is heard no earlier than this moment.
  three->link->send_now();
  const auto gone = std::chrono::steady_clock::now();
  three.reset();
  REQUIRE(run_until(io, [&] { return one->lost("node3") && two.lost("node3"); }));
  for (const Node* n : {one.get(), &two}) {
    const auto lost = n->lost_at("node3", gone);
    REQUIRE(lost);
    CHECK(*lost - gone >= kPulse * kSlost);                   // not one pulse earlier
    CHECK(*lost - gone <= kPulse * (kSlost + 1) + 400ms);     // the next pulse after that, with slack for load
    CHECK(n->logged("no pulse from node3 on any lan for 5 pulses of 20 ms (slost_count): node3 lost"));
    CHECK(n->logged("farm membership: node1 node2 (module farm)"));
  }

  three = std::make_unique<Node>(io, config_for("node3", kThree));
  REQUIRE(run_until(io, [&] { return one->sees("node3") && two.sees("node3") && three->sees("node1"); }));
  CHECK(two.logged("pulse from node3 on lan default"));

  // node1 is the master (first by name): the others give it mlost_count pulses.
  one->link->send_now();
  const auto master_gone = std::chrono::steady_clock::now();
  one.reset();
  REQUIRE(run_until(io, [&] { return two.lost("node1") && three->lost("node1"); }));
  for (const Node* n : {&two, three.get()}) {
    const auto lost = n->lost_at("node1", master_gone);
    REQUIRE(lost);
    CHECK(*lost - master_gone >= kPulse * kMlost);
    CHECK(*lost - master_gone <= kPulse * (kMlost + 1) + 400ms);
    CHECK(n->logged("no pulse from node1 on any lan for 10 pulses of 20 ms (mlost_count, it was the membership's "
                    "master): node1 lost"));
    CHECK(n->logged("farm membership: node2 node3 (module farm)"));
    CHECK(n->sees(n == &two ? "node3" : "node2"));
  }
}

TEST_CASE("a node with another cluster key is never seen, and sees no one", "[membership_link]") {
  boost::asio::io_context io;
  const std::vector<std::string> nodes{"node1", "node2", "node3", "node4"};
  Node one(io, config_for("node1", nodes));
  Node two(io, config_for("node2", nodes));
  Node three(io, config_for("node3", nodes));
  Node intruder(io, config_for("node4", nodes, 9));
  REQUIRE(run_until(io, [&] { return one.sees("node2") && one.sees("node3") && two.sees("node3"); }));
  run_for(io, kPulse * (kMlost + 2));
  for (const Node* n : {&one, &two, &three}) {
    CHECK_FALSE(n->ever_saw("node4"));
    CHECK(n->link->dropped(DropReason::other_cluster) > 0);
    CHECK(n->logged("other_cluster"));
  }
  REQUIRE_FALSE(intruder.views.empty());  // its slost period passed: it tells what it has, nobody
  for (const auto& name : {"node1", "node2", "node3"}) CHECK_FALSE(intruder.ever_saw(name));
}

TEST_CASE("pulses from another module id or from an address that is not the node's are dropped", "[membership_link]") {
  boost::asio::io_context io;
  Node one(io, config_for("node1", kThree));
  // node2 of module id 2 on the right address; node3 of the right module at 127.0.0.5.
  auto other_id = config_for("node2", kThree);
  other_id.module_id = 2;
  Node two(io, std::move(other_id));
  auto moved = config_for("node3", kThree);
  moved.lans[0].local = at("127.0.0.5");
  Node three(io, std::move(moved));
  REQUIRE(run_until(io, [&] { return one.link->dropped(DropReason::other_sender) >= 10; }));
  run_for(io, kPulse * (kSlost + 2));
  CHECK_FALSE(one.ever_saw("node2"));
  CHECK_FALSE(one.ever_saw("node3"));
  CHECK(one.logged("this is farm module farm (id 1)"));
  CHECK(one.logged("from 127.0.0.5:29821: node node3, module farm is at 127.0.0.3:29821 on lan default"));
}

TEST_CASE("a recording of a node replayed after this node restarts does not bring the dead node back",
          "[membership_link]") {
  using boost::asio::ip::udp;
  boost::asio::io_context io;
  // node3 is played by a bare socket that records what node2 sends it.
  udp::socket recorder(io, endpoint_of("node3"));
  recorder.non_blocking(true);
  std::vector<std::vector<std::uint8_t>> recording;
  auto record = [&] {
    std::array<std::uint8_t, 2048> buffer{};
    udp::endpoint from;
    boost::system::error_code ec;
    for (;;) {
      auto n = recorder.receive_from(boost::asio::buffer(buffer), from, 0, ec);
      if (ec) return;
      if (from == endpoint_of("node2"))
        recording.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    }
  };
  auto one = std::make_unique<Node>(io, config_for("node1", kThree));
  auto two = std::make_unique<Node>(io, config_for("node2", kThree));
  REQUIRE(run_until(io, [&] {
    record();
    return one->sees("node2") && recording.size() >= 30;
  }));
  // node2 dies; node1's agent restarts (a new boot) once the longest loss period has passed.
  two.reset();
  one.reset();
  std::this_thread::sleep_for(kPulse * kMlost + 100ms);
  auto restarted = std::make_unique<Node>(io, config_for("node1", kThree));
  udp::socket replayer(io, endpoint_of("node2"));  // node2's own address and port
  for (const auto& packet : recording) {
    replayer.send_to(boost::asio::buffer(packet), endpoint_of("node1"));
    io.run_for(2ms);
  }
  REQUIRE(run_until(io, [&] { return !restarted->views.empty(); }));
  run_for(io, kPulse * kSlost);
  CHECK_FALSE(restarted->ever_saw("node2"));
  CHECK(restarted->link->dropped(DropReason::stale) >= recording.size() / 2);
  CHECK(restarted->logged("stale"));
}
