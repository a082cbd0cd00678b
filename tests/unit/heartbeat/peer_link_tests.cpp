// Two PeerLinks over loopback UDP in one io_context: each node's resources reach the other
// in the heartbeats, a change follows, and a lost peer's resources are forgotten.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <map>
#include <thread>

#include "agent/peer_link.hpp"
#include "test_key.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

// Ports of this test only (no other test of the build uses 29811-29815).
constexpr unsigned short kPortOne = 29811;
constexpr unsigned short kPortTwo = 29812;
constexpr unsigned short kPortRelay = 29813;
constexpr unsigned short kPortOneLan2 = 29814;
constexpr unsigned short kPortTwoLan2 = 29815;

HeartbeatSocket::Endpoint loopback(unsigned short port) {
  return {boost::asio::ip::make_address("127.0.0.1"), port};
}

PeerLinkConfig config_for(const std::string& self, const std::string& peer, unsigned short local, unsigned short remote) {
  PeerLinkConfig c;
  c.local_node = self;
  c.peer_node = peer;
  c.module = "pair";
  c.module_id = 1;
  c.pulse = 20ms;
  c.timeout = 300ms;
  c.lans.push_back({"default", loopback(local), loopback(remote)});
  c.key = test::key_filled_with(8);
  return c;
}

struct Node {
  LocalModuleStatus status;
  std::vector<PeerView> updates;
  std::vector<std::string> log;
  std::unique_ptr<PeerLink> link;

  Node(boost::asio::io_context& io, PeerLinkConfig config) {
    status.state = ModuleState::prim;
    auto opened = PeerLink::open(
        io, std::move(config), [this] { return status; }, [this](const PeerView& u) { updates.push_back(u); },
        [this](LogLevel, const std::string& line) { log.push_back(line); });
    REQUIRE(opened.ok());
    link = std::move(*opened);
    link->start();
  }
};

// Runs the loop until `done` or 10 s: a bound, not a timing assertion.
template <typename Predicate>
bool run_until(boost::asio::io_context& io, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(10ms);
  }
  return true;
}

}  // namespace

TEST_CASE("each node's resources reach its peer in the heartbeats and are forgotten when the peer is lost",
          "[peer_link]") {
  boost::asio::io_context io;
  Node one(io, config_for("node1", "node2", kPortOne, kPortTwo));
  auto two = std::make_unique<Node>(io, config_for("node2", "node1", kPortTwo, kPortOne));
  one.status.resources = {{"heartbeat.default", "up"}, {"usersetting.failover", "on"}};
  two->status.resources = {{"custom.peerdb", "up"}, {"heartbeat.default", "up"}};

  CHECK_FALSE(one.link->peer_resources());
  REQUIRE(run_until(io, [&] {
    return one.link->peer_resources() == std::optional(two->status.resources) &&
           two->link->peer_resources() == std::optional(one.status.resources);
  }));

  two->status.resources["custom.peerdb"] = "down";
  REQUIRE(run_until(io, [&] { return one.link->peer_resources()->at("custom.peerdb") == "down"; }));

  two.reset();  // node2's agent is gone: every lan falls silent
  REQUIRE(run_until(io, [&] { return !one.updates.empty() && !one.updates.back().reachable; }));
  CHECK_FALSE(one.link->peer_resources());
}

TEST_CASE("a table too large for a heartbeat is logged once on each side, and the part that fits arrives",
          "[peer_link]") {
  boost::asio::io_context io;
  Node one(io, config_for("node1", "node2", kPortOne, kPortTwo));
  Node two(io, config_for("node2", "node1", kPortTwo, kPortOne));
  for (int i = 0; i < 200; ++i) two.status.resources["custom.r" + std::to_string(1000 + i)] = "up";
  REQUIRE(run_until(io, [&] { return one.link->peer_resources() && one.link->peer_resources()->size() > 0; }));
  // Some pulses more, so that a second log line would have had its chance.
  for (int i = 0; i < 20; ++i) io.run_for(10ms);
  const auto received = one.link->peer_resources()->size();
  CHECK(received < two.status.resources.size());
  CHECK(one.link->peer_resources()->begin()->first == "custom.r1000");
  auto count = [](const std::vector<std::string>& log, const std::string& fragment) {
    return std::count_if(log.begin(), log.end(),
                         [&](const std::string& l) { return l.find(fragment) != std::string::npos; });
  };
  CHECK(count(two.log, "do not all fit in a heartbeat") == 1);
  CHECK(count(one.log, "carry only part of its resources") == 1);
}

TEST_CASE("finding 8: a recording of the peer replayed after this agent restarts does not make a dead peer "
          "reachable", "[peer_link]") {
  using boost::asio::ip::udp;
  boost::asio::io_context io;
  // node2's heartbeats go through a relay that records them on their way to node1.
  udp::socket relay(io, loopback(kPortRelay));
  relay.non_blocking(true);
  std::vector<std::vector<std::uint8_t>> recording;
  auto pump = [&] {
    std::array<std::uint8_t, 2048> buffer{};
    udp::endpoint from;
    boost::system::error_code ec;
    for (;;) {
      auto n = relay.receive_from(boost::asio::buffer(buffer), from, 0, ec);
      if (ec) return;
      recording.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
      relay.send_to(boost::asio::buffer(buffer.data(), n), loopback(kPortOne), 0, ec);
    }
  };
  auto one = std::make_unique<Node>(io, config_for("node1", "node2", kPortOne, kPortTwo));
  auto two = std::make_unique<Node>(io, config_for("node2", "node1", kPortTwo, kPortRelay));
  REQUIRE(run_until(io, [&] {
    pump();
    return !one->updates.empty() && one->updates.back().reachable && recording.size() >= 40;
  }));
  // node2 dies; node1's agent restarts (a new boot); the timeout (300 ms) passes.
  two.reset();
  one.reset();
  std::this_thread::sleep_for(400ms);
  auto restarted = std::make_unique<Node>(io, config_for("node1", "node2", kPortOne, kPortTwo));
  for (const auto& packet : recording) {
    relay.send_to(boost::asio::buffer(packet), loopback(kPortOne));
    io.run_for(5ms);
  }
  REQUIRE(run_until(io, [&] { return !restarted->updates.empty(); }));
  for (const auto& update : restarted->updates) CHECK_FALSE(update.reachable);
  CHECK(std::any_of(restarted->log.begin(), restarted->log.end(),
                    [](const std::string& l) { return l.find("stale") != std::string::npos; }));
}

TEST_CASE("with two lans, each lan is seen carrying the peer's heartbeats, though each heartbeat is taken once",
          "[peer_link]") {
  boost::asio::io_context io;
  auto two_lans = [](const std::string& self, const std::string& peer, unsigned short a_local, unsigned short a_remote,
                     unsigned short b_local, unsigned short b_remote) {
    auto c = config_for(self, peer, a_local, a_remote);
    c.lans.push_back({"lan2", loopback(b_local), loopback(b_remote)});
    return c;
  };
  Node one(io, two_lans("node1", "node2", kPortOne, kPortTwo, kPortOneLan2, kPortTwoLan2));
  std::map<std::string, bool> lans;
  one.link->on_lan_change([&](const std::string& lan, bool up) { lans[lan] = up; });
  Node two(io, two_lans("node2", "node1", kPortTwo, kPortOne, kPortTwoLan2, kPortOneLan2));
  REQUIRE(run_until(io, [&] { return lans["default"] && lans["lan2"]; }));
  for (int i = 0; i < 20; ++i) io.run_for(10ms);
  CHECK(lans["default"]);
  CHECK(lans["lan2"]);
  // Both copies of every heartbeat arrived, and none was reported as a replay.
  CHECK(std::none_of(one.log.begin(), one.log.end(),
                     [](const std::string& l) { return l.find("replayed") != std::string::npos; }));
}
