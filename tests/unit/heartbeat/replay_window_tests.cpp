#include <catch2/catch.hpp>

#include "heartbeat/replay_window.hpp"
#include "test_key.hpp"

using namespace haven;
using Verdict = ReplayWindow::Verdict;

namespace {

HeartbeatMessage from(const std::string& node, BootId boot, std::uint64_t seq) {
  auto m = test::sample_message();
  m.sender_node = node;
  m.boot = boot;
  m.sequence = seq;
  return m;
}

const BootId kBoot{111, 1000};

}  // namespace

TEST_CASE("the first message of an unknown sender is accepted, at any sequence") {
  ReplayWindow w;
  CHECK(w.admit(from("n1", kBoot, 500)) == Verdict::accepted_new_boot);
}

TEST_CASE("increasing sequences are accepted and a repeated one is a replay") {
  ReplayWindow w;
  REQUIRE(w.admit(from("n1", kBoot, 0)) == Verdict::accepted_new_boot);
  CHECK(w.admit(from("n1", kBoot, 1)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 5)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 5)) == Verdict::replayed);
  CHECK(w.admit(from("n1", kBoot, 1)) == Verdict::replayed);
  CHECK(w.admit(from("n1", kBoot, 0)) == Verdict::replayed);
}

TEST_CASE("a late message within the window is accepted once; older ones are replays") {
  ReplayWindow w;
  REQUIRE(w.admit(from("n1", kBoot, 100)) == Verdict::accepted_new_boot);
  REQUIRE(w.admit(from("n1", kBoot, 102)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 101)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 101)) == Verdict::replayed);
  CHECK(w.admit(from("n1", kBoot, 102 - ReplayWindow::kWindow + 1)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 102 - ReplayWindow::kWindow)) == Verdict::replayed);
}

TEST_CASE("a jump beyond the window forgets what was seen below it") {
  ReplayWindow w;
  REQUIRE(w.admit(from("n1", kBoot, 1)) == Verdict::accepted_new_boot);
  REQUIRE(w.admit(from("n1", kBoot, 1000)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 999)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 1000)) == Verdict::replayed);
  CHECK(w.admit(from("n1", kBoot, 1)) == Verdict::replayed);
}

TEST_CASE("a rebooted sender starting over from 0 is accepted, and its old boot is then refused") {
  ReplayWindow w;
  REQUIRE(w.admit(from("n1", kBoot, 0)) == Verdict::accepted_new_boot);
  REQUIRE(w.admit(from("n1", kBoot, 900)) == Verdict::accepted);
  BootId rebooted{222, kBoot.started_unix_ms + 5000};
  CHECK(w.admit(from("n1", rebooted, 0)) == Verdict::accepted_new_boot);
  CHECK(w.admit(from("n1", rebooted, 1)) == Verdict::accepted);
  CHECK(w.admit(from("n1", kBoot, 901)) == Verdict::stale_boot);
}

TEST_CASE("a boot that started earlier, or at the same millisecond, is refused as stale") {
  ReplayWindow w;
  REQUIRE(w.admit(from("n1", kBoot, 0)) == Verdict::accepted_new_boot);
  CHECK(w.admit(from("n1", BootId{333, kBoot.started_unix_ms - 1}, 50)) == Verdict::stale_boot);
  CHECK(w.admit(from("n1", BootId{333, kBoot.started_unix_ms}, 50)) == Verdict::stale_boot);
  CHECK(drop_reason(Verdict::stale_boot) == DropReason::stale_boot);
  CHECK(drop_reason(Verdict::replayed) == DropReason::replayed);
}

TEST_CASE("senders are tracked apart, by node and by module") {
  ReplayWindow w;
  REQUIRE(w.admit(from("n1", kBoot, 10)) == Verdict::accepted_new_boot);
  CHECK(w.admit(from("n2", kBoot, 10)) == Verdict::accepted_new_boot);
  auto other_module = from("n1", kBoot, 10);
  other_module.module = "other";
  CHECK(w.admit(other_module) == Verdict::accepted_new_boot);
  CHECK(w.admit(from("n1", kBoot, 10)) == Verdict::replayed);
}

TEST_CASE("two boot ids chosen at the same moment differ, and carry that moment") {
  auto a = new_boot_id(1764090000123ULL);
  auto b = new_boot_id(1764090000123ULL);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->started_unix_ms == 1764090000123ULL);
  CHECK(a->nonce != b->nonce);
}

TEST_CASE("finding 20: at most kMaxSenders senders are remembered; the one heard least recently goes first") {
  ReplayWindow w;
  for (std::size_t i = 0; i < ReplayWindow::kMaxSenders; ++i)
    REQUIRE(w.admit(from("n" + std::to_string(i), kBoot, 1)) == Verdict::accepted_new_boot);
  REQUIRE(w.admit(from("n0", kBoot, 2)) == Verdict::accepted);  // n0 heard again: n1 is now the oldest
  for (int i = 0; i < 1000; ++i) w.admit(from("invented" + std::to_string(i), kBoot, 1));
  CHECK(w.size() == ReplayWindow::kMaxSenders);
  CHECK(w.admit(from("n0", kBoot, 2)) == Verdict::accepted_new_boot);  // pushed out by then, taken afresh
}
