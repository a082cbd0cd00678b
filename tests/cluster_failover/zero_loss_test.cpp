// Zero loss with a real database (issue 17), one body for every database: the program links one
// flavour (database_flavour_<name>.cpp), which names the database, its shipped module and how a
// client talks to it. The module runs on two havend in network namespaces, each node in a mount
// namespace of its own where its folder is mounted at the same path, so both run the server
// from one data path, as two machines would. A client on its own host commits numbered rows
// through the virtual IP, one transaction at a time; every process of the primary node is
// killed (-9) mid-stream; the database must start on the other node with every acknowledged
// commit; the old primary rejoins as secondary, and a swap brings the roles back. The
// flavour's rounds variable (HAVEN_PG_ROUNDS, HAVEN_MYSQL_ROUNDS) sets the rounds (default 3);
// its keep-logs variable (HAVEN_PG_KEEP_LOGS, ...) keeps both nodes' module and server logs in
// /tmp/hv<tag>ns-logs/ also when it passes (always on failure). Root, /dev/fuse and the
// database's Debian package (SKIPPED otherwise).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "database_pair.hpp"

using namespace std::chrono_literals;
using haven::netns_failover::Clock;
using haven::netns_failover::DatabaseClient;
using haven::netns_failover::DatabaseFlavour;
using haven::netns_failover::DatabasePair;
using haven::netns_failover::FailoverPair;
using haven::netns_failover::kDatabaseVip;
namespace fs = std::filesystem;

namespace {

int rounds_asked(const DatabaseFlavour& flavour) {
  const char* v = std::getenv(flavour.facts().rounds_variable.c_str());
  return v ? std::max(1, std::atoi(v)) : 3;
}

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// The client: INSERT of row n, one transaction each, n = 1, 2, 3...; n is acknowledged once the
// commit returned OK. A failed statement loses its number (it may or may not have committed:
// neither is an acknowledgement), and the client reconnects through the VIP.
class RowWriter {
 public:
  RowWriter(const DatabaseFlavour& flavour, std::string netns) : flavour_(flavour), netns_(std::move(netns)) {
    thread_ = std::thread([this] { haven::netns_failover::in_netns(netns_, [this] { run(); }); });
  }
  ~RowWriter() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::uint64_t> acknowledged() const {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return acked_.size();
  }
  std::string last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
  }

 private:
  void run() {
    const auto deadline = Clock::now() + 2h;  // bounded even if nobody stops it
    std::unique_ptr<DatabaseClient> client;
    std::uint64_t next = 1;
    while (!stop_ && Clock::now() < deadline) {
      if (client == nullptr) {
        auto connected = flavour_.connect(kDatabaseVip);
        if (!connected) {
          note(connected.error().message);
          std::this_thread::sleep_for(100ms);
          continue;
        }
        client = std::move(connected).value();
      }
      const std::uint64_t n = next++;
      auto committed = client->execute("INSERT INTO acked_rows VALUES (" + std::to_string(n) + ")");
      if (committed) {
        std::lock_guard lock(mutex_);
        acked_.push_back(n);
      } else {
        note(committed.error().message);
        client.reset();
      }
    }
  }
  void note(const std::string& error) {
    std::lock_guard lock(mutex_);
    last_error_ = error;
  }

  const DatabaseFlavour& flavour_;
  std::string netns_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> acked_;
  std::string last_error_;
  std::thread thread_;
};

// Which acknowledged rows the database lacks ("" when none), read through the VIP.
std::string missing_rows(const DatabasePair& db, const std::vector<std::uint64_t>& acked) {
  auto rows = db.query_through_vip("SELECT n FROM acked_rows");
  if (!rows) return "cannot read the rows: " + rows.error().message;
  std::set<std::uint64_t> present;
  for (const auto& r : *rows) present.insert(std::stoull(r));
  std::size_t missing = 0;
  std::string first;
  for (auto n : acked)
    if (!present.count(n)) {
      if (missing++ < 10) first += " " + std::to_string(n);
    }
  if (missing == 0) return {};
  return std::to_string(missing) + " of " + std::to_string(acked.size()) + " acknowledged rows missing:" + first;
}

// When a round fails, both nodes' module logs and server logs are kept in /tmp/hv<tag>ns-logs/.
struct LogsOnFailure {
  DatabasePair& db;
  ~LogsOnFailure() {
    const auto& facts = db.flavour().facts();
    if (std::uncaught_exceptions() == 0 && std::getenv(facts.keep_logs_variable.c_str()) == nullptr) return;
    const fs::path dir = "/tmp/hv" + facts.tag + "ns-logs";
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (int n = 1; n <= 2; ++n) {
      std::ofstream(dir / (FailoverPair::node_name(n) + ".log")) << db.pair().module_log(n);
      fs::copy_file(db.server_log(n), dir / (FailoverPair::node_name(n) + "-" + facts.server_log),
                    fs::copy_options::overwrite_existing, ec);
    }
    std::fprintf(stderr, "module and %s logs of both nodes kept in %s\n", facts.name.c_str(), dir.c_str());
  }
};

}  // namespace

TEST_CASE("a database under kill -9 of the primary node: every acknowledged commit is on the node that takes over",
          "[netns][database][zeroloss]") {
  const DatabaseFlavour& flavour = haven::netns_failover::linked_database_flavour();
  const auto& facts = flavour.facts();
  INFO("database: " << facts.name << ", module " << facts.module);
  if (auto why = haven::netns_failover::database_pair_unavailable(flavour); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  const char* build = std::getenv("HAVEN_BUILD_DIR");
  const char* source = std::getenv("HAVEN_SOURCE_DIR");
  REQUIRE(build != nullptr);
  REQUIRE(source != nullptr);
  const int rounds = rounds_asked(flavour);
  const auto deadline = Clock::now() + std::chrono::seconds(120 + 150 * rounds);

  auto made = DatabasePair::create(flavour, build, source, "fo" + facts.tag);
  if (!made) FAIL(made.error().message);
  auto& db = **made;
  auto& pair = db.pair();
  LogsOnFailure keep_logs{db};

  auto created = db.query_through_vip(facts.create_table_sql);
  INFO((created ? "" : created.error().message) << "\n" << pair.describe_node(1));
  REQUIRE(created);

  RowWriter writer(flavour, db.client_netns());
  std::mt19937 rng(std::random_device{}());
  std::size_t takeovers = 0;
  for (int round = 1; round <= rounds; ++round) {
    INFO("round " << round << " of " << rounds << "; the client's last error: " << writer.last_error());
    REQUIRE(Clock::now() < deadline);
    // The client commits through node1, the primary.
    const auto before = writer.count();
    REQUIRE(eventually([&] { return writer.count() >= before + 50; }, 60s));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 500)(rng)));

    auto killed = pair.kill_node(1);
    if (!killed) FAIL(killed.error().message);
    const auto acked = writer.acknowledged();
    INFO("rows acknowledged when node1 died: " << acked.size() << " (last " << (acked.empty() ? 0 : acked.back()) << ")");

    // node2 takes over: the server recovers the replicated copy and accepts commits again.
    auto s2 = pair.wait_for(2, "ALONE", "Ready", 60s);
    INFO("node2: " << s2.raw.dump() << "\n" << pair.describe_node(2, 60));
    REQUIRE(s2.describe() == "ALONE Ready");
    const auto after_kill = writer.count();
    REQUIRE(eventually([&] { return writer.count() > after_kill; }, 60s));
    const auto loss = missing_rows(db, acked);
    INFO("after the takeover by node2: " << loss);
    REQUIRE(loss.empty());
    auto vip_on_2 = pair.holds_vip(2);
    REQUIRE(vip_on_2);
    CHECK(*vip_on_2);
    // node2 serves its own folder, which only replication filled (it started empty), and the
    // shared path of this test's own mount namespace stayed an empty folder.
    CHECK(fs::exists(db.node_dir(2) / "data" / facts.data_marker));
    CHECK(fs::is_empty(db.shared()));
    ++takeovers;

    // node1 comes back as secondary, brought level, then a swap makes it primary again.
    REQUIRE(pair.restart_node(1).ok());
    auto started = pair.haven(1, {"start", "-m", facts.module});
    INFO(started.describe());
    REQUIRE(started.ok());
    auto s1 = pair.wait_for(1, "SECOND", "Ready", 120s);
    INFO("node1: " << s1.raw.dump() << "\n" << pair.describe_node(1, 60));
    REQUIRE(s1.describe() == "SECOND Ready");
    // Its crash clean-up or prestart found the killed server's pid file, naming a process that
    // is no server of this node, and signalled nothing.
    CHECK(pair.module_log(1).find(facts.stale_pid_note) != std::string::npos);
    auto swapped = pair.haven(2, {"swap", "-m", facts.module}, 180s);
    INFO(swapped.describe());
    REQUIRE(swapped.ok());
    auto p1 = pair.wait_for(1, "PRIM", "Ready", 120s);
    auto p2 = pair.wait_for(2, "SECOND", "Ready", 120s);
    INFO("after the swap: node1 " << p1.raw.dump() << ", node2 " << p2.raw.dump() << "\n"
                                  << pair.describe_node(1, 60) << "\n" << pair.describe_node(2, 60));
    REQUIRE(p1.describe() == "PRIM Ready");
    REQUIRE(p2.describe() == "SECOND Ready");
    const auto after_swap = writer.count();
    REQUIRE(eventually([&] { return writer.count() > after_swap; }, 60s));
    const auto loss_after_swap = missing_rows(db, writer.acknowledged());
    INFO("after the swap back to node1: " << loss_after_swap);
    REQUIRE(loss_after_swap.empty());
  }
  writer.stop();
  const auto all = writer.acknowledged();
  const auto final_loss = missing_rows(db, all);
  INFO(final_loss);
  REQUIRE(final_loss.empty());
  WARN(facts.module << " zero loss: " << rounds << " rounds, " << takeovers
                    << " takeovers after kill -9 of the primary node, " << all.size()
                    << " commits acknowledged, none lost");
}
