// The farm membership rule in simulated time: joins, losses after exactly slost / mlost pulse
// periods, the master changing, a partition and its heal, state changes of a present node.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "heartbeat/membership_tracker.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

constexpr auto kPulse = 100ms;
const MembershipRules kRules{kPulse, 20, 10};
const TimePoint kT0{};

PeerView pulse_of(const std::string& node, ModuleState state = ModuleState::up, SubState sub = SubState::ready) {
  PeerView view;
  view.reachable = true;
  view.node = node;
  view.state = state;
  view.sub = sub;
  return view;
}

std::vector<std::string> reachable(const MembershipTracker& tracker) {
  std::vector<std::string> out;
  for (const auto& peer : tracker.view())
    if (peer.reachable) out.push_back(peer.node);
  return out;
}

// Several nodes in one simulated network: each period every node pulses to every node that
// `connected` lets it reach, then every tracker ticks.
struct Farm {
  std::vector<std::string> nodes;
  std::map<std::string, MembershipTracker> trackers;
  std::map<std::string, bool> running;
  TimePoint now = kT0;
  std::function<bool(const std::string&, const std::string&)> connected = [](const std::string&, const std::string&) {
    return true;
  };

  explicit Farm(std::vector<std::string> names) : nodes(std::move(names)) {
    for (const auto& self : nodes) {
      std::vector<std::string> peers;
      for (const auto& other : nodes)
        if (other != self) peers.push_back(other);
      trackers.emplace(self, MembershipTracker(self, peers, kRules, now));
      running[self] = true;
    }
  }

  void period() {
    now += kPulse;
    for (const auto& from : nodes) {
      if (!running[from]) continue;
      for (const auto& to : nodes)
        if (to != from && running[to] && connected(from, to)) trackers.at(to).heard(from, pulse_of(from), now);
    }
    for (auto& [name, tracker] : trackers) tracker.tick(now);
  }
  void periods(int n) {
    for (int i = 0; i < n; ++i) period();
  }
  std::vector<std::string> present(const std::string& node) const { return trackers.at(node).present(); }
};

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("a node is present from its first pulse, and the view lists every configured peer in order",
          "[membership]") {
  MembershipTracker t("node2", {"node3", "node1"}, kRules, kT0);
  auto before = t.view();
  REQUIRE(before.size() == 2);
  CHECK(before[0].node == "node3");
  CHECK(before[1].node == "node1");
  CHECK_FALSE(before[0].reachable);
  CHECK_FALSE(before[1].reachable);
  CHECK(t.present() == Names{"node2"});
  CHECK(t.master() == "node2");

  CHECK(t.heard("node3", pulse_of("node3", ModuleState::wait, SubState::transient), kT0 + 10ms));
  auto after = t.view();
  CHECK(after[0].reachable);
  CHECK(after[0].state == ModuleState::wait);
  CHECK(after[0].sub == SubState::transient);
  CHECK_FALSE(after[1].reachable);
  CHECK(t.present() == Names{"node2", "node3"});

  // The same news again changes nothing; a stranger changes nothing either.
  CHECK_FALSE(t.heard("node3", pulse_of("node3", ModuleState::wait, SubState::transient), kT0 + 110ms));
  CHECK_FALSE(t.heard("node9", pulse_of("node9"), kT0 + 120ms));
  CHECK_FALSE(t.heard("node2", pulse_of("node2"), kT0 + 120ms));
  CHECK(t.view().size() == 2);

  // The master is the first present node by name, this one included.
  CHECK(t.heard("node1", pulse_of("node1"), kT0 + 130ms));
  CHECK(t.master() == "node1");
  CHECK(t.present() == Names{"node1", "node2", "node3"});
}

TEST_CASE("a node other than the master is lost after exactly slost_count silent periods, not one earlier",
          "[membership]") {
  // node1 is this node and the master: node2 and node3 are judged by slost_count (10).
  MembershipTracker t("node1", {"node2", "node3"}, kRules, kT0);
  REQUIRE(t.heard("node2", pulse_of("node2"), kT0));
  REQUIRE(t.heard("node3", pulse_of("node3"), kT0));
  CHECK(t.loss_period("node2") == 1000ms);
  for (int k = 1; k < 10; ++k) {
    CHECK_FALSE(t.tick(kT0 + kPulse * k));
    t.heard("node3", pulse_of("node3"), kT0 + kPulse * k);
  }
  CHECK_FALSE(t.tick(kT0 + kPulse * 10 - 1ms));
  CHECK(t.view()[0].reachable);
  CHECK(t.tick(kT0 + kPulse * 10));
  const auto view = t.view();
  CHECK_FALSE(view[0].reachable);
  CHECK(view[0].node == "node2");
  CHECK(view[0].state == ModuleState::stop);
  CHECK(view[1].reachable);
  CHECK_FALSE(t.tick(kT0 + kPulse * 11));  // lost once, not again

  // Back from its first pulse.
  CHECK(t.heard("node2", pulse_of("node2"), kT0 + kPulse * 12));
  CHECK(t.view()[0].reachable);
}

TEST_CASE("the master is lost after exactly mlost_count silent periods, and the next node by name becomes master",
          "[membership]") {
  // This node is node3: node1 is the master (mlost_count 20), node2 an ordinary node.
  MembershipTracker t("node3", {"node1", "node2"}, kRules, kT0);
  REQUIRE(t.heard("node1", pulse_of("node1"), kT0));
  REQUIRE(t.heard("node2", pulse_of("node2"), kT0));
  CHECK(t.master() == "node1");
  CHECK(t.loss_period("node1") == 2000ms);
  CHECK(t.loss_period("node2") == 1000ms);
  for (int k = 1; k < 20; ++k) {
    t.heard("node2", pulse_of("node2"), kT0 + kPulse * k);
    CHECK_FALSE(t.tick(kT0 + kPulse * k));
  }
  CHECK(t.master() == "node1");
  CHECK(t.view()[0].reachable);  // 19 silent periods: a non-master would be gone, the master is not
  t.heard("node2", pulse_of("node2"), kT0 + kPulse * 20);
  CHECK(t.tick(kT0 + kPulse * 20));
  CHECK_FALSE(t.view()[0].reachable);
  CHECK(t.master() == "node2");
  CHECK(t.present() == Names{"node2", "node3"});

  // node2 is master now: its own silence is judged by mlost_count.
  CHECK(t.loss_period("node2") == 2000ms);
  const auto last = kT0 + kPulse * 20;
  CHECK_FALSE(t.tick(last + kPulse * 19));
  CHECK(t.tick(last + kPulse * 20));
  CHECK(t.present() == Names{"node3"});
  CHECK(t.master() == "node3");
}

TEST_CASE("a master and another node silent together: the other goes after slost, the master after mlost",
          "[membership]") {
  MembershipTracker t("node3", {"node1", "node2"}, kRules, kT0);
  t.heard("node1", pulse_of("node1"), kT0);
  t.heard("node2", pulse_of("node2"), kT0);
  for (int k = 1; k < 10; ++k) CHECK_FALSE(t.tick(kT0 + kPulse * k));
  CHECK(t.tick(kT0 + kPulse * 10));
  CHECK(t.present() == Names{"node1", "node3"});
  for (int k = 11; k < 20; ++k) CHECK_FALSE(t.tick(kT0 + kPulse * k));
  CHECK(t.tick(kT0 + kPulse * 20));
  CHECK(t.present() == Names{"node3"});
}

TEST_CASE("a state change of a present node is reported, and a lost node's state is forgotten", "[membership]") {
  MembershipTracker t("node1", {"node2"}, kRules, kT0);
  CHECK(t.heard("node2", pulse_of("node2", ModuleState::wait, SubState::transient), kT0));
  CHECK(t.heard("node2", pulse_of("node2", ModuleState::up, SubState::transient), kT0 + 100ms));
  CHECK(t.view()[0].state == ModuleState::up);
  CHECK(t.heard("node2", pulse_of("node2", ModuleState::up, SubState::ready), kT0 + 200ms));
  CHECK(t.view()[0].sub == SubState::ready);
  auto knowing = pulse_of("node2", ModuleState::up, SubState::ready);
  knowing.knowledge.generation = 7;
  CHECK(t.heard("node2", knowing, kT0 + 300ms));
  CHECK(t.view()[0].knowledge.generation == 7);
  CHECK_FALSE(t.heard("node2", knowing, kT0 + 400ms));
  CHECK(t.tick(kT0 + 400ms + kPulse * 10));
  CHECK(t.view()[0].state == ModuleState::stop);
  CHECK(t.view()[0].knowledge.generation == 0);
}

TEST_CASE("the first view waits for every peer, or for one slost period", "[membership]") {
  MembershipTracker t("node1", {"node2", "node3"}, kRules, kT0);
  CHECK_FALSE(t.settled(kT0));
  t.heard("node2", pulse_of("node2"), kT0 + 50ms);
  CHECK_FALSE(t.settled(kT0 + 50ms));
  CHECK_FALSE(t.settled(kT0 + kPulse * 10 - 1ms));
  CHECK(t.settled(kT0 + kPulse * 10));  // node3 silent for a whole slost period: tell what we have
  t.heard("node3", pulse_of("node3"), kT0 + 60ms);
  CHECK(t.settled(kT0 + 60ms));  // everyone heard: no need to wait

  MembershipTracker alone("node1", {}, kRules, kT0);
  CHECK(alone.settled(kT0));
  CHECK(alone.view().empty());
}

TEST_CASE("four nodes in simulated time: all join, one leaves, the master leaves and the next one leads",
          "[membership]") {
  Farm farm({"node1", "node2", "node3", "node4"});
  farm.period();
  for (const auto& n : farm.nodes) CHECK(farm.present(n) == Names{"node1", "node2", "node3", "node4"});
  for (const auto& n : farm.nodes) CHECK(farm.trackers.at(n).master() == "node1");

  farm.running["node4"] = false;  // its last pulse was the one of the period above
  farm.periods(9);
  CHECK(farm.present("node1") == Names{"node1", "node2", "node3", "node4"});
  farm.period();
  CHECK(farm.present("node1") == Names{"node1", "node2", "node3"});
  CHECK(farm.present("node2") == Names{"node1", "node2", "node3"});
  CHECK(farm.present("node3") == Names{"node1", "node2", "node3"});

  farm.running["node1"] = false;
  farm.periods(19);
  CHECK(farm.trackers.at("node2").master() == "node1");
  CHECK(farm.trackers.at("node3").master() == "node1");
  farm.period();
  CHECK(farm.present("node2") == Names{"node2", "node3"});
  CHECK(farm.present("node3") == Names{"node2", "node3"});
  CHECK(farm.trackers.at("node2").master() == "node2");
  CHECK(farm.trackers.at("node3").master() == "node2");
  CHECK(reachable(farm.trackers.at("node3")) == Names{"node2"});
}

TEST_CASE("a partition makes two memberships, each with its own master, and they merge when it heals",
          "[membership]") {
  Farm farm({"node1", "node2", "node3", "node4"});
  farm.period();
  const auto side = [](const std::string& n) { return n == "node1" || n == "node2" ? 0 : 1; };
  farm.connected = [&](const std::string& a, const std::string& b) { return side(a) == side(b); };

  farm.periods(10);
  // node1's side lost node3 and node4 (ordinary nodes there) after slost_count periods.
  CHECK(farm.present("node1") == Names{"node1", "node2"});
  CHECK(farm.present("node2") == Names{"node1", "node2"});
  // node3's side has lost node2 but still waits for the master node1 (mlost_count).
  CHECK(farm.present("node3") == Names{"node1", "node3", "node4"});
  farm.periods(10);
  CHECK(farm.present("node3") == Names{"node3", "node4"});
  CHECK(farm.present("node4") == Names{"node3", "node4"});
  CHECK(farm.trackers.at("node1").master() == "node1");
  CHECK(farm.trackers.at("node4").master() == "node3");

  farm.connected = [](const std::string&, const std::string&) { return true; };
  farm.period();
  for (const auto& n : farm.nodes) {
    CHECK(farm.present(n) == Names{"node1", "node2", "node3", "node4"});
    CHECK(farm.trackers.at(n).master() == "node1");
  }
}
