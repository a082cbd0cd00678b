// The split-brain guard with a fake pinger: which side holds the loss of its peer, which goes
// on, which waits, and how the hold ends.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <set>

#include "checks/split_brain_guard.hpp"
#include "config/user_config_loader.hpp"

using namespace haven;
using namespace haven::checks;
using namespace std::chrono_literals;

namespace {

SplitBrainSettings settings() {
  SplitBrainSettings s;
  s.ident = "witness";
  s.witnesses = {"198.51.100.9", "198.51.100.10"};
  s.timeout = 500ms;
  return s;
}

PeerView peer(bool reachable) {
  PeerView u;
  u.reachable = reachable;
  u.node = "node2";
  u.state = reachable ? ModuleState::prim : ModuleState::stop;
  return u;
}

std::string value_of(const SplitBrainSteps& steps, const std::string& resource) {
  for (const auto& [name, value] : steps.resources)
    if (name == resource) return value;
  return "";
}

config::UserConfig load(const std::string& check_body) {
  const std::string xml = "<safe>\n<service mode=\"mirror\">\n<check>\n" + check_body + "\n</check>\n</service>\n</safe>\n";
  auto loaded = config::parse_user_config(xml, "userconfig.xml", {});
  for (const auto& d : loaded.diagnostics) INFO(d.message);
  REQUIRE(loaded.config);
  return *loaded.config;
}

}  // namespace

TEST_CASE("losing every heartbeat of a reachable peer is held until the witnesses answer; a reached witness lets "
          "this node go on") {
  SplitBrainGuard guard(settings());
  auto seen = guard.on_peer_update(peer(false), true, true);
  CHECK(seen.keep);
  REQUIRE(seen.ask);
  CHECK(guard.probing());
  // News that comes while the witnesses are pinged waits too.
  auto again = guard.on_peer_update(peer(false), true, true);
  CHECK(again.keep);
  CHECK_FALSE(again.ask);

  auto steps = guard.on_witness_answer(*seen.ask, WitnessAnswer{true, "198.51.100.9: answered"});
  CHECK_FALSE(steps.hold);
  CHECK_FALSE(steps.release);
  REQUIRE(steps.deliver);
  CHECK_FALSE(steps.deliver->reachable);
  CHECK(value_of(steps, "splitbrain.witness") == "up");
  CHECK(value_of(steps, "splitbrain.uptodate") == "up");
  CHECK_FALSE(guard.holding());
}

TEST_CASE("a node that reaches no witness holds the module in WAIT, then hands the loss on, and the heartbeats' "
          "return ends the hold") {
  SplitBrainGuard guard(settings());
  auto seen = guard.on_peer_update(peer(false), true, true);
  REQUIRE(seen.ask);
  auto steps = guard.on_witness_answer(*seen.ask, WitnessAnswer{false, "198.51.100.9: no reply"});
  CHECK(steps.hold);
  REQUIRE(steps.deliver);
  CHECK(value_of(steps, "splitbrain.witness") == "down");
  CHECK(value_of(steps, "splitbrain.uptodate") == "down");
  CHECK(guard.holding());
  REQUIRE_FALSE(steps.log.empty());
  CHECK(steps.log.back().second.find("haven prim") != std::string::npos);

  // Still unreachable: handed on at once, the hold stays.
  auto still = guard.on_peer_update(peer(false), false, true);
  CHECK_FALSE(still.keep);
  CHECK_FALSE(still.ask);

  auto back = guard.on_peer_update(peer(true), false, true);
  CHECK_FALSE(back.keep);
  CHECK(back.steps.release);
  CHECK(value_of(back.steps, "splitbrain.uptodate") == "init");
  CHECK_FALSE(guard.holding());
}

TEST_CASE("the administrator's prim ends a split-brain hold and says the data is this side's") {
  SplitBrainGuard guard(settings());
  auto seen = guard.on_peer_update(peer(false), true, true);
  (void)guard.on_witness_answer(*seen.ask, WitnessAnswer{false, "none"});
  auto steps = guard.release_for_administrator("prim");
  CHECK(steps.release);
  CHECK(value_of(steps, "splitbrain.uptodate") == "up");
  CHECK(value_of(steps, "splitbrain.witness") == "init");
  CHECK_FALSE(guard.holding());
  CHECK_FALSE(guard.release_for_administrator("prim").release);  // nothing left to release
}

TEST_CASE("heartbeats that come back while the witnesses are pinged cancel the round") {
  SplitBrainGuard guard(settings());
  auto seen = guard.on_peer_update(peer(false), true, true);
  auto back = guard.on_peer_update(peer(true), false, true);
  CHECK_FALSE(back.keep);
  CHECK_FALSE(guard.probing());
  auto late = guard.on_witness_answer(*seen.ask, WitnessAnswer{false, "none"});
  CHECK_FALSE(late.hold);
  CHECK_FALSE(late.deliver);
  CHECK_FALSE(guard.holding());
}

TEST_CASE("a stopped module, or a peer that was never reachable, is not held") {
  SplitBrainGuard guard(settings());
  CHECK_FALSE(guard.on_peer_update(peer(false), true, false).keep);
  CHECK_FALSE(guard.on_peer_update(peer(false), false, true).keep);
  CHECK_FALSE(guard.on_peer_update(peer(true), false, true).keep);
  CHECK_FALSE(guard.probing());
}

TEST_CASE("the witness probe pings every witness at once and reports reached when any answers") {
  std::mutex mutex;
  std::set<std::string> pinged;
  std::set<std::chrono::milliseconds::rep> timeouts;
  WitnessProbe probe([&](const std::string& witness, std::chrono::milliseconds timeout, std::string& detail) {
    std::lock_guard lock(mutex);  // Catch2's CHECK is not for worker threads: record, check later
    pinged.insert(witness);
    timeouts.insert(timeout.count());
    detail = witness == "w2" ? "answered" : "no reply";
    return witness == "w2";
  });
  std::condition_variable cv;
  std::optional<std::pair<std::uint64_t, WitnessAnswer>> got;
  probe.ask(7, {"w1", "w2"}, 300ms, [&](std::uint64_t round, const WitnessAnswer& answer) {
    std::lock_guard lock(mutex);
    got = {round, answer};
    cv.notify_all();
  });
  std::unique_lock lock(mutex);
  REQUIRE(cv.wait_for(lock, 5s, [&] { return got.has_value(); }));
  CHECK(got->first == 7);
  CHECK(got->second.reached);
  CHECK(got->second.detail == "w2: answered");
  CHECK(pinged == std::set<std::string>{"w1", "w2"});
  CHECK(timeouts == std::set<std::chrono::milliseconds::rep>{300});
}

TEST_CASE("the witness probe says which witness failed and why when none answers") {
  WitnessProbe probe([](const std::string&, std::chrono::milliseconds, std::string& detail) {
    detail = "no reply within 300 ms";
    return false;
  });
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<WitnessAnswer> got;
  probe.ask(1, {"w1", "w2"}, 300ms, [&](std::uint64_t, const WitnessAnswer& answer) {
    std::lock_guard lock(mutex);
    got = answer;
    cv.notify_all();
  });
  std::unique_lock lock(mutex);
  REQUIRE(cv.wait_for(lock, 5s, [&] { return got.has_value(); }));
  CHECK_FALSE(got->reached);
  CHECK(got->detail.find("w1: no reply within 300 ms") != std::string::npos);
  CHECK(got->detail.find("w2: no reply within 300 ms") != std::string::npos);
}

TEST_CASE("the <splitbrain> element gives the witnesses and a timeout within the heartbeat timeout") {
  auto s = split_brain_settings(load("<splitbrain ident=\"w\" arg=\"198.51.100.9  198.51.100.10\" timeout=\"3s\"/>"), 2s);
  REQUIRE(s);
  REQUIRE(s->has_value());
  CHECK((*s)->ident == "w");
  CHECK((*s)->witnesses == std::vector<std::string>{"198.51.100.9", "198.51.100.10"});
  CHECK((*s)->timeout == 2s);
  auto none = split_brain_settings(load("<tcp ident=\"x\"><to addr=\"127.0.0.1\" port=\"1\"/></tcp>"), 2s);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  auto other = split_brain_settings(load("<splitbrain ident=\"w\" exec=\"mywitness\" arg=\"a\"/>"), 2s);
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("line 4") != std::string::npos);
}
