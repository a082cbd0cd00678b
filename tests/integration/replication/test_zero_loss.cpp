// Zero acknowledged writes lost: a writer appends numbered records, each followed by fsync,
// to a journal in the primary's replicated directory and counts those acknowledged; the
// primary's agent is killed (kill -9) at a random moment; the secondary takes over, and every
// acknowledged record must be in its copy. Then the old primary rejoins as SECOND and the
// roles swap for the next round. HAVEN_ZERO_LOSS_ROUNDS (default 50) rounds, HAVEN_SEED
// replays a run.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "replicated_pair.hpp"
#include "journal_records.hpp"
#include "wait_until.hpp"

using namespace haven::test;
using namespace std::chrono_literals;

namespace {

struct WriterOutcome {
  std::uint64_t acknowledged = 0;  ///< the last record whose write and fsync both succeeded
  int error = 0;                   ///< errno of the call that failed
};

// Appends records first, first+1, ... until a call fails or `stop` is set.
WriterOutcome write_journal(const std::filesystem::path& file, std::uint64_t first, const std::atomic<bool>& stop) {
  WriterOutcome outcome;
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) {
    outcome.error = errno;
    return outcome;
  }
  char line[32];
  for (std::uint64_t r = first; !stop && r < first + 200000; ++r) {
    std::snprintf(line, sizeof line, "%010llu\n", static_cast<unsigned long long>(r));
    if (::write(fd, line, 11) != 11 || ::fsync(fd) != 0) {
      outcome.error = errno;
      break;
    }
    outcome.acknowledged = r;
  }
  ::close(fd);
  return outcome;
}

int rounds_asked() {
  const char* v = std::getenv("HAVEN_ZERO_LOSS_ROUNDS");
  return v ? std::max(1, std::atoi(v)) : 50;
}

}  // namespace

TEST_CASE("zero loss: every record acknowledged before the primary's agent is killed is on the new primary",
          "[integration][replication][zeroloss]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  const char* seed_env = std::getenv("HAVEN_SEED");
  const unsigned seed = seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : std::random_device{}();
  INFO("HAVEN_SEED=" << seed);
  std::mt19937 rng(seed);
  const int rounds = rounds_asked();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30 + 12 * rounds);

  ReplicatedPair rp(28962, 62);
  auto& pair = rp.nodes();
  pair.pair_up();
  int primary = 1;
  std::uint64_t acknowledged_total = 0;
  for (int round = 1; round <= rounds; ++round) {
    INFO("round " << round << " of " << rounds << ", primary node" << primary);
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    const auto journal = rp.data(primary) / "journal";
    const auto before = journal_records(journal);
    const std::uint64_t first = before.empty() ? 1 : before.back() + 1;

    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    WriterOutcome outcome;
    std::thread writer([&] {
      outcome = write_journal(journal, first, stop);
      done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(rng)));
    const bool killed = pair.kill_agent(primary);
    wait_until([&] { return done.load(); }, 5s);  // the dead file system fails the writer's next call
    stop = true;
    writer.join();
    REQUIRE(killed);
    INFO("the writer stopped on errno " << outcome.error << " after record " << outcome.acknowledged);
    CHECK(outcome.acknowledged >= first);  // it wrote something before the kill
    acknowledged_total = std::max(acknowledged_total, outcome.acknowledged);

    const int other = 3 - primary;
    REQUIRE(rp.wait_state(other, "ALONE", "Ready").state == "ALONE");
    const auto after = journal_records(rp.data(other) / "journal");
    // Every acknowledged record, in order, with no hole: nothing acknowledged was lost.
    REQUIRE(after.size() >= acknowledged_total);
    bool contiguous = true;
    for (std::size_t i = 0; i < after.size(); ++i) contiguous = contiguous && after[i] == i + 1;
    CHECK(contiguous);
    CHECK(after.back() >= outcome.acknowledged);

    // The killed node's clean-up left a plain directory; it rejoins as SECOND and catches up.
    REQUIRE(rp.wait_state(primary, "STOP", "").state == "STOP");
    REQUIRE(pair.command(primary, "start").exit_code == 0);
    REQUIRE(rp.wait_state(primary, "SECOND", "Ready").substate == "Ready");
    primary = other;
  }
  SUCCEED("rounds: " << rounds << ", records acknowledged: " << acknowledged_total);
}
