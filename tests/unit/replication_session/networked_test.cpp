// The session's pieces that cross the link: the in-sync marker the secondary learns from, the
// secondary's manifest asked over the link for the real reintegration, and a writer running
// through it under the file system's own ordering lock.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "replication_session/manifest_reintegration.hpp"
#include "session_pair.hpp"

using haven::replication_session::testing::SessionPair;

using haven::replication_session::testing::write_at;

namespace {

// The primary's record is damaged: its next reintegration must be full.
void damage_primary_record(SessionPair& pair, std::size_t dirs = 1) {
  std::filesystem::create_directories(pair.primary_var() / "replication");
  for (std::size_t i = 0; i < dirs; ++i)
    std::ofstream(pair.primary_var() / "replication" / ("changed-regions-" + std::to_string(i) + ".log")) << "not a record";
}

std::string pattern(std::size_t size, char seed) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(seed + static_cast<char>((i * 131) % 61));
  return data;
}

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Where a file differs between both sides, for the failure message.
std::string differing_bytes(const SessionPair& pair, const std::string& name) {
  const std::string a = read_all(pair.a() / name), b = read_all(pair.b() / name);
  std::size_t first = std::string::npos, last = 0, count = 0;
  for (std::size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    if (a[k] == b[k]) continue;
    if (first == std::string::npos) first = k;
    last = k;
    ++count;
  }
  if (count == 0 && a.size() == b.size()) return name + ": equal";
  return name + ": sizes " + std::to_string(a.size()) + "/" + std::to_string(b.size()) + ", " + std::to_string(count) +
         " bytes differ in [" + std::to_string(first) + ", " + std::to_string(last) + "]";
}

}  // namespace

TEST_CASE("the secondary is told in sync once every directory got the primary's marker, and not after its stream ends",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  const auto async = GENERATE(haven::config::AsyncMode::second, haven::config::AsyncMode::none);
  SessionPair pair(async, 2);
  auto& secondary = pair.start_secondary();
  CHECK_FALSE(secondary.in_sync());
  REQUIRE(pair.primary().become_primary(true).ok());
  write_at(pair.a(0) / "zero", 0, "in the first directory");
  write_at(pair.a(1) / "one", 0, "in the second directory");
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.secondary_in_sync == 1; }));
  CHECK(secondary.in_sync());
  CHECK(secondary.state_json()["in_sync"] == true);
  CHECK(secondary.state_json()["dirs"][1]["in_sync"] == true);
  // Told on the secondary only once both directories' changes before the marker are there.
  CHECK(std::filesystem::exists(pair.b(0) / "zero"));
  CHECK(std::filesystem::exists(pair.b(1) / "one"));
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));

  pair.end_primary();
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.ended.size() >= 1; }));
  CHECK_FALSE(secondary.in_sync());
  CHECK(pair.secondary_events.secondary_in_sync == 1);

  // The next primary's reintegration tells it again.
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.secondary_in_sync == 2; }));
  CHECK(secondary.in_sync());
}

TEST_CASE("a failed reintegration sends no marker: the secondary stays not in sync", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair(haven::config::AsyncMode::second, 1, [](haven::replication_session::ReintegrationJob&) -> haven::Status {
    return haven::fail(haven::Errc::io_error, "test: reintegration fails");
  });
  auto& secondary = pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.failed.empty(); }));
  write_at(pair.a() / "later", 0, "sent live, still no marker");
  REQUIRE(secondary.drain(std::chrono::seconds(20)).ok());
  CHECK(std::filesystem::exists(pair.b() / "later"));
  CHECK_FALSE(secondary.in_sync());
  CHECK(pair.secondary_events.secondary_in_sync == 0);
}

TEST_CASE("the default session reintegrates fully against the secondary's manifest asked over the link", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  pair.use_networked_reintegration();
  // Both sides hold a tree that differs: blocks changed, files only on one side, a folder
  // only on the secondary, a file whose size differs.
  std::filesystem::create_directories(pair.a() / "docs");
  std::filesystem::create_directories(pair.b() / "docs");
  std::filesystem::create_directories(pair.b() / "stale-folder");
  const std::string big = pattern(2 << 20, 'a');
  write_at(pair.a() / "db.dat", 0, big);
  write_at(pair.b() / "db.dat", 0, big);
  write_at(pair.b() / "db.dat", 700000, "differs");
  write_at(pair.b() / "db.dat", 1900000, "differs too");
  write_at(pair.a() / "docs" / "only-on-primary", 0, pattern(5000, 'k'));
  write_at(pair.b() / "docs" / "only-on-secondary", 0, "stale");
  write_at(pair.b() / "stale-folder" / "x", 0, "stale");
  write_at(pair.a() / "grown", 0, pattern(300000, 'g'));
  write_at(pair.b() / "grown", 0, pattern(1000, 'g'));
  damage_primary_record(pair);
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(pair.a()))
    if (entry.is_regular_file()) total += entry.file_size();

  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1 || !pair.primary_events.failed.empty(); }));
  INFO((pair.primary_events.failed.empty() ? std::string() : pair.primary_events.failed.front()));
  REQUIRE(pair.primary_events.failed.empty());
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.secondary_in_sync == 1; }));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  CHECK_FALSE(std::filesystem::exists(pair.b() / "stale-folder"));
  const auto state = pair.primary().state_json()["dirs"][0];
  INFO(state.dump());
  CHECK(state["reintegration"]["kind"] == "full");
  const auto sent = state["bytes_sent"].get<std::uint64_t>();
  CHECK(sent > 0);
  CHECK(sent < total / 2);  // two 128 KiB blocks of db.dat, the new and the grown file's data
}

TEST_CASE("a writer running through a full reintegration leaves equal trees (the file system's ordering lock)",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  const auto async = GENERATE(haven::config::AsyncMode::second, haven::config::AsyncMode::none);
  SessionPair pair(async);
  pair.use_networked_reintegration();
  pair.reiallowedbw = 8 * 1024;  // KB/s, in 64 KiB packets: the 4 MiB take half a second, the writer keeps going
  pair.reipacketsize = 64 * 1024;
  for (int i = 0; i < 16; ++i) {
    write_at(pair.a() / ("file-" + std::to_string(i)), 0, pattern(256 * 1024, static_cast<char>('a' + i)));
    write_at(pair.b() / ("file-" + std::to_string(i)), 0, pattern(256 * 1024, static_cast<char>('b' + i)));
  }
  std::filesystem::create_directories(pair.a() / "live");
  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread writer([&] {
    // Through the mount: overwrite the files reintegration is copying, create, grow, shrink
    // and remove others. (No renames: a live rename of a path not reached yet is a known
    // limit, docs/reintegration.md.)
    for (std::uint32_t round = 0; !stop.load() && round < 2000; ++round, ++rounds) {
      const auto file = pair.a() / ("file-" + std::to_string(round % 16));
      const int fd = open(file.c_str(), O_WRONLY);
      if (fd >= 0) {
        const std::string data = "live write " + std::to_string(round);
        (void)pwrite(fd, data.data(), data.size(), static_cast<off_t>((round * 7919) % (256 * 1024)));
        if (round % 5 == 0) (void)ftruncate(fd, static_cast<off_t>(200000 + round));
        close(fd);
      }
      const auto created = pair.a() / "live" / ("n-" + std::to_string(round % 8));
      const int nfd = open(created.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
      if (nfd >= 0) {
        const std::string line = "line " + std::to_string(round) + "\n";
        (void)write(nfd, line.data(), line.size());
        close(nfd);
      }
      if (round % 3 == 0) unlink((pair.a() / "live" / ("n-" + std::to_string((round + 3) % 8))).c_str());
    }
  });
  REQUIRE(pair.primary().peer_secondary_ready(true).ok());  // full: the record is intact but the peer differs
  const bool done =
      pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1 || !pair.primary_events.failed.empty(); });
  const int during = rounds.load();
  stop = true;
  writer.join();
  REQUIRE(done);
  INFO("writer rounds during the reintegration: " << during << ", in all: " << rounds.load());
  CHECK(during > 10);  // the writer really ran through the reintegration
  CHECK(pair.primary().state_json()["dirs"][0]["reintegration"]["kind"] == "full");
  INFO((pair.primary_events.failed.empty() ? std::string() : pair.primary_events.failed.front()));
  REQUIRE(pair.primary_events.failed.empty());
  CHECK(pair.secondary_events.ended.empty());
  REQUIRE(haven::replication_session::testing::settle(pair.a()));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  const std::string diff = pair.differences();
  if (!diff.empty())
    for (int i = 0; i < 16; ++i) UNSCOPED_INFO(differing_bytes(pair, "file-" + std::to_string(i)));
  CHECK(diff == "");
}

TEST_CASE("rfsdiff and rfsverify compare the primary with the secondary's manifest over the link, changing nothing",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  pair.use_networked_reintegration();
  auto& secondary = pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
  write_at(pair.a() / "same", 0, pattern(200000, 's'));
  REQUIRE(secondary.drain(std::chrono::seconds(20)).ok());

  auto equal = pair.primary().rfsverify_json();
  REQUIRE(equal.ok());
  CHECK((*equal)["dirs"][0]["equal"] == true);

  // Behind the secondary's view: a file only there, and one byte changed in another.
  const int rogue = openat(pair.lower_b(), "rogue", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  REQUIRE(rogue >= 0);
  REQUIRE(write(rogue, "x", 1) == 1);
  close(rogue);
  const int same = openat(pair.lower_b(), "same", O_WRONLY | O_CLOEXEC);
  REQUIRE(same >= 0);
  REQUIRE(pwrite(same, "!", 1, 150000) == 1);
  close(same);

  auto verify = pair.primary().rfsverify_json();
  REQUIRE(verify.ok());
  INFO(verify->dump());
  CHECK((*verify)["dirs"][0]["equal"] == false);
  std::set<std::string> differing;
  for (const auto& d : (*verify)["dirs"][0]["differences"]) differing.insert(d["path"].get<std::string>());
  CHECK(differing == std::set<std::string>{"rogue", "same"});

  auto diff = pair.primary().rfsdiff_json();
  REQUIRE(diff.ok());
  INFO(diff->dump());
  CHECK((*diff)["dirs"][0]["data_bytes"].get<std::uint64_t>() <= 128 * 1024);  // one block of "same"
  bool removes_rogue = false;
  for (const auto& a : (*diff)["dirs"][0]["actions"]) removes_rogue = removes_rogue || (a["path"] == "rogue" && a["action"] == "remove");
  CHECK(removes_rogue);
  CHECK(std::filesystem::exists(pair.b() / "rogue"));  // a report, nothing sent

  auto on_secondary = secondary.rfsverify_json();
  REQUIRE_FALSE(on_secondary.ok());
  CHECK(on_secondary.error().code == haven::Errc::refused);
}

TEST_CASE("a returning secondary gets a fast reintegration over the link while a writer runs", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  pair.use_networked_reintegration();
  pair.reiallowedbw = 8 * 1024;
  pair.reipacketsize = 64 * 1024;
  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
  for (int i = 0; i < 8; ++i) write_at(pair.a() / ("file-" + std::to_string(i)), 0, pattern(512 * 1024, static_cast<char>('a' + i)));
  std::filesystem::create_directories(pair.a() / "made-alone");
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());

  pair.kill_secondary();
  for (int i = 0; i < 8; ++i) write_at(pair.a() / ("file-" + std::to_string(i)), 100000, pattern(300000, 'z'));
  write_at(pair.a() / "made-alone" / "new", 0, pattern(100000, 'n'));
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));

  pair.start_secondary();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::uint32_t round = 0; !stop.load() && round < 2000; ++round) {
      const int fd = open((pair.a() / ("file-" + std::to_string(round % 8))).c_str(), O_WRONLY);
      if (fd < 0) continue;
      const std::string data = "live " + std::to_string(round);
      (void)pwrite(fd, data.data(), data.size(), static_cast<off_t>((round * 4099) % (512 * 1024)));
      close(fd);
    }
  });
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  const bool done =
      pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 2 || !pair.primary_events.failed.empty(); });
  stop = true;
  writer.join();
  REQUIRE(done);
  INFO((pair.primary_events.failed.empty() ? std::string() : pair.primary_events.failed.front()));
  REQUIRE(pair.primary_events.failed.empty());
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.secondary_in_sync >= 1; }));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  const auto progress = pair.primary().state_json()["dirs"][0]["reintegration"];
  INFO(progress.dump());
  CHECK(progress["kind"] == "fast");
  // What was written alone, plus the few live writes made before the link was up (recorded too);
  // far below the 4 MiB of the files.
  CHECK(progress["bytes_total"].get<std::uint64_t>() >= 8 * 300000 + 100000);
  CHECK(progress["bytes_total"].get<std::uint64_t>() < 8 * 300000 + 100000 + 64 * 1024);
  const std::string diff = pair.differences();
  if (!diff.empty())
    for (int i = 0; i < 8; ++i) UNSCOPED_INFO(differing_bytes(pair, "file-" + std::to_string(i)));
  CHECK(diff == "");
}

TEST_CASE("names renamed and linked live during a reintegration are reintegrated again until none is", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  pair.use_networked_reintegration();
  pair.reiallowedbw = 8 * 1024;
  pair.reipacketsize = 64 * 1024;
  std::filesystem::create_directories(pair.a() / "live");
  std::filesystem::create_directories(pair.b() / "live");
  for (int i = 0; i < 16; ++i) {
    // The same names on both sides, other contents: a rename moves the secondary's stale copy.
    write_at(pair.a() / "live" / ("f-" + std::to_string(i)), 0, pattern(128 * 1024, static_cast<char>('a' + i)));
    write_at(pair.b() / "live" / ("f-" + std::to_string(i)), 0, pattern(128 * 1024, static_cast<char>('b' + i)));
  }
  for (int i = 0; i < 16; ++i) write_at(pair.a() / ("big-" + std::to_string(i)), 0, pattern(256 * 1024, 'q'));
  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> renamed{0};
  std::thread writer([&] {
    // Renames, links and random operations (renames of folders too) while the files are copied.
    for (std::uint32_t round = 0; !stop.load() && round < 300; ++round) {
      const auto from = pair.a() / "live" / ("f-" + std::to_string(round % 16));
      const auto to = pair.a() / "live" / ("moved-" + std::to_string(round));
      if (std::rename(from.c_str(), to.c_str()) == 0) ++renamed;
      if (round % 4 == 0) (void)link(to.c_str(), (pair.a() / "live" / ("linked-" + std::to_string(round))).c_str());
      haven::replication_session::testing::random_operations(pair.a() / "live", round + 1, 3);
    }
  });
  REQUIRE(pair.primary().peer_secondary_ready(true).ok());
  const bool done =
      pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1 || !pair.primary_events.failed.empty(); });
  stop = true;
  writer.join();
  REQUIRE(done);
  INFO((pair.primary_events.failed.empty() ? std::string() : pair.primary_events.failed.front()));
  REQUIRE(pair.primary_events.failed.empty());
  CHECK(renamed.load() > 0);
  CHECK(pair.secondary_events.ended.empty());
  REQUIRE(haven::replication_session::testing::settle(pair.a()));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
}

TEST_CASE("told again after a failed reintegration with the links up, the primary reintegrates again", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  std::atomic<int> calls{0};
  auto real = haven::replication_session::networked_reintegration({});
  SessionPair pair(haven::config::AsyncMode::second, 1, [&calls, real](haven::replication_session::ReintegrationJob& job) -> haven::Status {
    if (++calls == 1) return haven::fail(haven::Errc::io_error, "test: the first attempt fails");
    return real(job);
  });
  REQUIRE(pair.primary().become_primary(false).ok());
  write_at(pair.a() / "alone.dat", 0, "recorded");
  auto& secondary = pair.start_secondary();
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.failed.empty(); }));
  CHECK(pair.primary().state_json()["dirs"][0]["connected"] == true);

  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
  CHECK(calls.load() == 2);
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.secondary_in_sync == 1; }));
  REQUIRE(secondary.drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  CHECK(pair.secondary_events.ended.empty());
}

TEST_CASE("a rerun after one directory failed leaves the directories already in sync alone", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  std::mutex mutex;
  std::vector<std::size_t> runs;
  auto real = haven::replication_session::networked_reintegration({});
  SessionPair pair(haven::config::AsyncMode::second, 2, [&, real](haven::replication_session::ReintegrationJob& job) -> haven::Status {
    bool fail_now = false;
    {
      std::lock_guard lock(mutex);
      runs.push_back(job.dir_index);
      fail_now = job.dir_index == 1 && std::count(runs.begin(), runs.end(), 1) == 1;
    }
    if (fail_now) return haven::fail(haven::Errc::io_error, "test: directory 1 fails once");
    return real(job);
  });
  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.failed.empty(); }));
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
  REQUIRE(pair.secondary_events.wait_for([&] { return pair.secondary_events.secondary_in_sync == 1; }));
  std::lock_guard lock(mutex);
  CHECK(runs == std::vector<std::size_t>{0, 1, 1});
}
