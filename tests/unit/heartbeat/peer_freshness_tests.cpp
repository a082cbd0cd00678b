// PeerFreshness in simulated time: one decision for every lan, and a recording of the peer
// cannot outlive the receiver's restart (finding 8 of the security review).
#include <catch2/catch.hpp>

#include "heartbeat/peer_freshness.hpp"
#include "test_key.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kNowMs = 1'800'000'000'000ULL;
const auto kHorizon = 3000ms;
const BootId kOurs{0xaaaa, kNowMs - 60'000};
const BootId kPeers{0xbbbb, kNowMs - 50'000};

HeartbeatMessage heartbeat(std::uint64_t seq, std::uint64_t sent_ms, std::uint64_t echo_nonce = 0,
                           std::uint64_t echo_seq = 0) {
  auto m = test::sample_message();
  m.sender_node = "node2";
  m.module = "mirror";
  m.boot = kPeers;
  m.sequence = seq;
  m.sent_unix_ms = sent_ms;
  m.echo_nonce = echo_nonce;
  m.echo_sequence = echo_seq;
  return m;
}

PeerFreshness receiver(BootId own = kOurs) { return PeerFreshness("node2", "mirror", own, kHorizon); }

}  // namespace

TEST_CASE("finding 8: a heartbeat is taken once whatever the lans it comes on, and a lan repeating it is a replay") {
  PeerFreshness f("node2", "mirror", kOurs, kHorizon, 2);
  const TimePoint t0{};
  auto m = heartbeat(10, kNowMs);
  CHECK(f.admit(m, 0, t0, kNowMs).accepted);
  // Its copy on the other lan tells that lan works, and is not taken again.
  auto copy = f.admit(m, 1, t0 + 1ms, kNowMs + 1);
  CHECK_FALSE(copy.accepted);
  CHECK(copy.heard_again);
  // The same heartbeat once more, on either lan: a replay.
  for (std::size_t lan : {0u, 1u}) {
    auto again = f.admit(m, lan, t0 + 5ms, kNowMs + 5);
    CHECK_FALSE(again.accepted);
    CHECK_FALSE(again.heard_again);
    CHECK(again.reason == DropReason::replayed);
  }
  // Out of the window (64 sequences later), a copy on a lan that never carried it is a replay too.
  CHECK(f.admit(heartbeat(200, kNowMs), 0, t0 + 10ms, kNowMs + 10).accepted);
  auto old = f.admit(heartbeat(11, kNowMs), 1, t0 + 11ms, kNowMs + 11);
  CHECK_FALSE(old.accepted);
  CHECK_FALSE(old.heard_again);
}

TEST_CASE("finding 8: after the receiver restarts, a recording of the peer's current run is refused once "
          "older than the timeout") {
  const TimePoint t0{};
  // Recorded by an attacker while the first run of this agent was alive.
  std::vector<HeartbeatMessage> recording;
  for (std::uint64_t i = 0; i < 100; ++i) recording.push_back(heartbeat(1000 + i, kNowMs + i * 700, 0xaaaa, 40 + i));
  // The agent restarts 2 minutes later with a new boot; the peer is dead by then.
  const BootId restarted{0xcccc, kNowMs + 120'000};
  auto f = receiver(restarted);
  f.sent(0, t0);
  for (std::size_t i = 0; i < recording.size(); ++i) {
    auto v = f.admit(recording[i], 0, t0 + std::chrono::milliseconds(i * 700), kNowMs + 120'000 + i * 700);
    INFO("replayed heartbeat " << i);
    CHECK_FALSE(v.accepted);
    CHECK(v.reason == DropReason::stale);
    CHECK_THAT(v.detail, Catch::Contains("echoes no heartbeat we sent"));
  }
}

TEST_CASE("a peer whose clock is far from ours is taken once it echoes a heartbeat we sent recently") {
  const TimePoint t0{};
  auto f = receiver();
  const std::uint64_t peer_clock = kNowMs + 600'000;  // ten minutes ahead
  auto before = f.admit(heartbeat(5, peer_clock), 0, t0, kNowMs);
  CHECK_FALSE(before.accepted);
  CHECK(before.reason == DropReason::stale);
  // Even refused, it is authentic: our next heartbeat echoes it, so the peer can take ours.
  CHECK(f.echo() == std::pair<std::uint64_t, std::uint64_t>{kPeers.nonce, 5});
  f.sent(0, t0 + 100ms);
  auto after = f.admit(heartbeat(6, peer_clock + 700, kOurs.nonce, 0), 0, t0 + 700ms, kNowMs + 700);
  CHECK(after.accepted);
  CHECK(after.new_boot);
  SECTION("an echo older than the timeout no longer vouches for it") {
    f.sent(1, t0 + 4000ms);
    auto late = f.admit(heartbeat(7, peer_clock + 5000, kOurs.nonce, 0), 0, t0 + 5000ms, kNowMs + 5000);
    CHECK_FALSE(late.accepted);
    CHECK(late.reason == DropReason::stale);
    auto fresh = f.admit(heartbeat(8, peer_clock + 5100, kOurs.nonce, 1), 0, t0 + 5100ms, kNowMs + 5100);
    CHECK(fresh.accepted);
  }
  SECTION("an echo of another boot of ours does not vouch") {
    auto other = f.admit(heartbeat(7, peer_clock + 800, 0x1234, 0), 0, t0 + 800ms, kNowMs + 800);
    CHECK_FALSE(other.accepted);
  }
  SECTION("an echo of a sequence we never sent does not vouch") {
    auto ahead = f.admit(heartbeat(7, peer_clock + 800, kOurs.nonce, 99), 0, t0 + 800ms, kNowMs + 800);
    CHECK_FALSE(ahead.accepted);
  }
}

TEST_CASE("two agents with clocks ten minutes apart pair within two heartbeats each") {
  const BootId a_boot{0x1, kNowMs}, b_boot{0x2, kNowMs + 600'000};
  PeerFreshness a("b", "m", a_boot, kHorizon), b("a", "m", b_boot, kHorizon);
  auto message = [](const char* node, BootId boot, std::uint64_t seq, std::uint64_t clock, PeerFreshness& from) {
    auto m = test::sample_message();
    m.sender_node = node;
    m.module = "m";
    m.boot = boot;
    m.sequence = seq;
    m.sent_unix_ms = clock;
    std::tie(m.echo_nonce, m.echo_sequence) = from.echo();
    from.sent(seq, TimePoint{} + std::chrono::milliseconds(seq * 700));
    return m;
  };
  bool a_took = false, b_took = false;
  for (std::uint64_t seq = 0; seq < 2; ++seq) {
    const auto t = TimePoint{} + std::chrono::milliseconds(seq * 700 + 10);
    auto to_b = message("a", a_boot, seq, kNowMs + seq * 700, a);
    b_took |= b.admit(to_b, 0, t, kNowMs + 600'000 + seq * 700).accepted;
    auto to_a = message("b", b_boot, seq, kNowMs + 600'000 + seq * 700, b);
    a_took |= a.admit(to_a, 0, t, kNowMs + seq * 700).accepted;
  }
  CHECK(a_took);
  CHECK(b_took);
}

TEST_CASE("heartbeats of another node or module are refused and not remembered") {
  auto f = receiver();
  auto m = heartbeat(1, kNowMs);
  m.sender_node = "node9";
  auto v = f.admit(m, 0, TimePoint{}, kNowMs);
  CHECK_FALSE(v.accepted);
  CHECK(v.reason == DropReason::other_sender);
  CHECK(f.echo() == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}

TEST_CASE("the echo only moves forward: a replayed older heartbeat does not make it older") {
  auto f = receiver();
  CHECK(f.admit(heartbeat(500, kNowMs), 0, TimePoint{}, kNowMs).accepted);
  CHECK_FALSE(f.admit(heartbeat(10, kNowMs), 0, TimePoint{}, kNowMs).accepted);
  CHECK(f.echo().second == 500);
}
