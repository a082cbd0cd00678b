// Losing the secondary: the application's writes go on within the timeout and are recorded
// durably; when the secondary returns, the reintegration seam brings it back in sync.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "replication/changed_regions.hpp"
#include "session_pair.hpp"

using haven::replication::ChangedRegionsLog;
using haven::replication_session::testing::SessionPair;
using haven::replication_session::testing::start_in_sync;

using haven::replication_session::testing::write_at;

TEST_CASE("with the secondary gone the primary's writes succeed, are recorded, and the session reports it lost", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_in_sync(pair);
  write_at(pair.a() / "db.dat", 0, std::string(8192, 'x'));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());

  pair.kill_secondary();
  // Each returns: the secondary is declared lost within the timeout, the changes recorded.
  write_at(pair.a() / "db.dat", 4096, std::string(100, 'y'));
  write_at(pair.a() / "new.dat", 0, "made while alone");

  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));
  CHECK(pair.primary_events.lost.front().find(pair.a().string()) != std::string::npos);
  CHECK_FALSE(pair.primary().in_sync());
  const auto state = pair.primary().state_json();
  CHECK(state["dirs"][0]["lost"] == true);
  CHECK(state["dirs"][0]["connected"] == false);
  CHECK(state["dirs"][0]["record_intact"] == true);

  // The record on disk (what survives a crash of the primary) holds what was written since.
  auto record = ChangedRegionsLog::open(pair.primary_var() / "replication" / "changed-regions-0.log");
  REQUIRE(record.ok());
  CHECK(record->intact());
  const auto& regions = record->regions();
  REQUIRE(regions.count("db.dat") == 1);
  const auto& db = regions.at("db.dat");
  bool covers_write = db.whole;
  for (const auto& range : db.ranges) covers_write = covers_write || (range.offset <= 4096 && range.offset + range.length >= 4196);
  CHECK(covers_write);
  CHECK(regions.count("new.dat") == 1);
}

TEST_CASE("a returning secondary is reintegrated through the seam, then reported in sync with equal trees", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_in_sync(pair);
  write_at(pair.a() / "db.dat", 0, std::string(8192, 'x'));
  pair.kill_secondary();
  write_at(pair.a() / "db.dat", 100, "while alone");
  write_at(pair.a() / "alone.dat", 0, "created while alone");
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));

  // The stand-in reintegration copies the whole tree, so the returning secondary starts empty.
  for (const auto& entry : std::filesystem::directory_iterator(pair.b())) std::filesystem::remove_all(entry.path());
  pair.start_secondary();
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 2 || !pair.primary_events.failed.empty(); }));
  CHECK(pair.primary_events.failed.empty());
  CHECK(pair.primary().in_sync());
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");

  // In sync: the record is emptied, and new writes are sent again.
  const auto state = pair.primary().state_json();
  CHECK(state["dirs"][0]["connected"] == true);
  CHECK(state["dirs"][0]["recorded_paths"] == 0);
  CHECK(state["dirs"][0].contains("reintegration"));
  write_at(pair.a() / "after.dat", 0, "after the return");
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
}

TEST_CASE("the secondary is told when the primary's stream ends", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_in_sync(pair);
  REQUIRE(pair.primary().stop().ok());
  REQUIRE(pair.secondary_events.wait_for([&] { return !pair.secondary_events.ended.empty(); }));
  CHECK(pair.secondary_events.ended.front().find(pair.b().string()) != std::string::npos);
  CHECK(pair.secondary()->state_json()["dirs"][0]["stream_ended"] == true);
}

TEST_CASE("a primary that starts ALONE records every change durably and sends nothing", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  REQUIRE(pair.primary().become_primary(false).ok());
  write_at(pair.a() / "alone.dat", 0, "no secondary yet");
  write_at(pair.a() / "alone.dat", 1 << 20, "far");
  const auto state = pair.primary().state_json();
  CHECK(state["peer_reachable_at_start"] == false);
  CHECK(state["dirs"][0]["connected"] == false);
  CHECK(state["dirs"][0]["changes_sent"] == 0);
  CHECK(state["dirs"][0]["changes_recorded"].get<std::uint64_t>() >= 3);  // create, two writes
  auto record = ChangedRegionsLog::open(pair.primary_var() / "replication" / "changed-regions-0.log");
  REQUIRE(record.ok());
  CHECK(record->regions().count("alone.dat") == 1);
}

TEST_CASE("a failed reintegration is reported, keeps the record and does not report in sync", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  int calls = 0;
  SessionPair pair(haven::config::AsyncMode::second, 1, [&calls](haven::replication_session::ReintegrationJob& job) -> haven::Status {
    ++calls;
    CHECK(job.record.count("alone.dat") == 1);
    CHECK(job.record_intact);
    return haven::fail(haven::Errc::io_error, "the secondary's manifest could not be read");
  });
  REQUIRE(pair.primary().become_primary(false).ok());
  write_at(pair.a() / "alone.dat", 0, "recorded");
  pair.start_secondary();
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.failed.empty(); }));
  CHECK(calls == 1);
  CHECK(pair.primary_events.failed.front().find("manifest could not be read") != std::string::npos);
  CHECK(pair.primary_events.in_sync == 0);
  CHECK_FALSE(pair.primary().in_sync());
  CHECK(pair.primary().state_json()["dirs"][0]["recorded_paths"] == 1);
}

TEST_CASE("the primary told again that its secondary is ready keeps the links it has", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_in_sync(pair);
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  write_at(pair.a() / "still.dat", 0, "sent on the first link");
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  CHECK(pair.primary_events.in_sync == 1);
  CHECK(pair.secondary_events.ended.empty());
}

TEST_CASE("writers running while the secondary dies never get an error, and the returning secondary gets every record",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_in_sync(pair);
  constexpr int kWriters = 4;
  constexpr int kAfterLoss = 100;  // records each writer appends once the secondary is gone
  std::atomic<int> failures{0};
  std::atomic<int> written{0};
  std::atomic<bool> killed{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      const auto file = pair.a() / ("log-" + std::to_string(w));
      const int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
      if (fd < 0) {
        ++failures;
        return;
      }
      int after = 0;
      for (int r = 0; after < kAfterLoss && failures.load() == 0; ++r) {
        if (killed.load()) ++after;
        const std::string line = "record " + std::to_string(r) + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || fdatasync(fd) != 0) ++failures;
        ++written;
      }
      close(fd);
    });
  // The secondary dies while the writers run.
  while (written.load() < 200 && failures.load() == 0) std::this_thread::yield();
  pair.kill_secondary();
  killed = true;
  for (auto& t : writers) t.join();
  CHECK(failures.load() == 0);
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));
  CHECK(pair.primary().state_json()["dirs"][0]["changes_recorded"].get<std::uint64_t>() > 0);

  for (const auto& entry : std::filesystem::directory_iterator(pair.b())) std::filesystem::remove_all(entry.path());
  pair.start_secondary();
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 2 || !pair.primary_events.failed.empty(); }));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  for (int w = 0; w < kWriters; ++w)
    CHECK(std::filesystem::file_size(pair.b() / ("log-" + std::to_string(w))) ==
          std::filesystem::file_size(pair.a() / ("log-" + std::to_string(w))));
}
