// A primary and a secondary session of one module in one process over loopback: what the
// application writes through the primary's mount reaches the secondary's directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "replication_fs/read_only_view.hpp"
#include "replication_fs/replicated_fs.hpp"
#include "replication_session/fresh_copy_reintegration.hpp"
#include "session_pair.hpp"

using haven::config::AsyncMode;
using haven::replication_fs::is_haven_mount;
using haven::replication_fs::is_read_only_view;
using haven::replication_session::testing::random_operations;
using haven::replication_session::testing::SessionPair;
using haven::replication_session::testing::settle;

namespace {

void write_file(const std::filesystem::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary);
  out << content;
}

// Primary and secondary started, connected and reintegrated (the stand-in: B starts empty).
void start_checked_in_sync(SessionPair& pair) {
  REQUIRE(pair.start_secondary().state_json()["role"] == "secondary");
  auto primary = pair.primary().become_primary(true);
  REQUIRE(primary.ok());
  auto ready = pair.primary().peer_secondary_ready();
  REQUIRE(ready.ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
  CHECK(pair.primary().in_sync());
}

}  // namespace

TEST_CASE("what the application writes through the primary appears on the secondary, trees equal after random operations",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  const AsyncMode async = GENERATE(AsyncMode::second, AsyncMode::none);
  INFO("async " << (async == AsyncMode::none ? "none" : "second"));
  SessionPair pair(async);
  // Present before the primary mounts: the reintegration (stand-in: a fresh copy) sends it.
  write_file(pair.a() / "before.txt", "written before the mount");
  start_checked_in_sync(pair);
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");

  for (const char* folder : {"d1", "d2", "d1/sub"}) REQUIRE(mkdir((pair.a() / folder).c_str(), 0755) == 0);
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  random_operations(pair.a(), seed, 1500);
  REQUIRE(settle(pair.a()));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");

  const auto state = pair.primary().state_json();
  CHECK(state["role"] == "primary");
  CHECK(state["dirs"][0]["mounted"] == true);
  CHECK(state["dirs"][0]["connected"] == true);
  CHECK(state["dirs"][0]["changes_sent"].get<std::uint64_t>() > 300);
  CHECK(state["dirs"][0]["changes_recorded"] == 0);
  CHECK(pair.primary_events.lost.empty());
  CHECK(pair.primary_events.failed.empty());
}

TEST_CASE("the secondary's directory is read-only to applications while it receives", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_checked_in_sync(pair);
  CHECK(is_read_only_view(pair.b()));
  CHECK(pair.secondary()->state_json()["dirs"][0]["view"] == true);
  const int fd = open((pair.b() / "local.txt").c_str(), O_CREAT | O_WRONLY, 0644);
  CHECK(fd < 0);
  CHECK(errno == EROFS);
  if (fd >= 0) close(fd);
}

TEST_CASE("several replicated directories each get their own link on consecutive ports", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair(AsyncMode::second, 3);
  start_checked_in_sync(pair);
  const auto ports = pair.secondary()->receiver_ports();
  REQUIRE(ports.size() == 3);
  CHECK(ports[1] == ports[0] + 1);
  CHECK(ports[2] == ports[0] + 2);
  for (std::size_t i = 0; i < 3; ++i) write_file(pair.a(i) / "file", "directory " + std::to_string(i));
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  for (std::size_t i = 0; i < 3; ++i) CHECK(pair.differences(i) == "");
}

TEST_CASE("stop() leaves plain directories on both sides, and refuses while a file is open unless lazy", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_checked_in_sync(pair);
  write_file(pair.a() / "kept.txt", "data");
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());

  const int open_file = open((pair.a() / "kept.txt").c_str(), O_RDONLY);
  REQUIRE(open_file >= 0);
  auto refused = pair.primary().stop();
  CHECK_FALSE(refused.ok());
  CHECK(refused.error().code == haven::Errc::refused);
  CHECK(refused.error().message.find(pair.a().string()) != std::string::npos);
  CHECK(is_haven_mount(pair.a()));
  CHECK(pair.primary().state_json()["role"] == "primary");
  close(open_file);

  REQUIRE(pair.primary().stop(true).ok());
  REQUIRE(pair.secondary()->stop().ok());
  CHECK_FALSE(is_haven_mount(pair.a()));
  CHECK_FALSE(is_read_only_view(pair.b()));
  CHECK(pair.primary().state_json()["role"] == "stopped");
  // Plain directories again: the secondary's is writable, both hold the file.
  write_file(pair.b() / "local.txt", "now writable");
  CHECK(std::filesystem::exists(pair.b() / "local.txt"));
  CHECK(std::filesystem::file_size(pair.b() / "kept.txt") == 4);
  CHECK(std::filesystem::file_size(pair.a() / "kept.txt") == 4);
}

TEST_CASE("become_primary mounts all directories or none, naming the one that failed", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair(AsyncMode::second, 2);
  std::filesystem::remove(pair.a(1));
  auto became = pair.primary().become_primary(false);
  REQUIRE_FALSE(became.ok());
  CHECK(became.error().message.find(pair.a(1).string()) != std::string::npos);
  CHECK_FALSE(is_haven_mount(pair.a(0)));
  CHECK(pair.primary().state_json()["role"] == "stopped");
}

TEST_CASE("a module with more replicated directories than replication ports is refused, naming the element") {
  haven::replication_session::ReplicationSessionOptions options;
  options.module = "mirror";
  options.rfs.line = 7;
  for (int i = 0; i < 5; ++i) options.rfs.replicated.push_back({"/srv/d" + std::to_string(i), false, {}, {}, 8 + i});
  auto made = haven::replication_session::ReplicationSession::create(options, {}, haven::replication_session::fresh_copy_reintegration());
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().code == haven::Errc::invalid_argument);
  CHECK(made.error().message.find("line 7") != std::string::npos);
  CHECK(made.error().message.find("at most 4") != std::string::npos);
}

TEST_CASE("a replicated directory given twice or as a relative path is refused") {
  haven::replication_session::ReplicationSessionOptions options;
  options.module = "mirror";
  options.rfs.replicated.push_back({"/srv/data", false, {}, {}, 8});
  SECTION("twice") {
    options.rfs.replicated.push_back({"/srv/data/", false, {}, {}, 9});
    auto made = haven::replication_session::ReplicationSession::create(options, {}, haven::replication_session::fresh_copy_reintegration());
    REQUIRE_FALSE(made.ok());
    CHECK(made.error().message.find("twice") != std::string::npos);
  }
  SECTION("relative") {
    options.rfs.replicated.push_back({"srv/other", false, {}, {}, 9});
    auto made = haven::replication_session::ReplicationSession::create(options, {}, haven::replication_session::fresh_copy_reintegration());
    REQUIRE_FALSE(made.ok());
    CHECK(made.error().message.find("line 9") != std::string::npos);
  }
}

TEST_CASE("with async=\"none\" a write has reached the secondary's disk when the application's call returns", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair(AsyncMode::none);
  start_checked_in_sync(pair);
  CHECK(pair.secondary()->state_json()["async"] == "none");
  for (int i = 0; i < 20; ++i) {
    const std::string name = "record-" + std::to_string(i);
    write_file(pair.a() / name, "acknowledged " + std::to_string(i));
    // No drain: the secondary wrote it before acknowledging.
    std::ifstream in(pair.b() / name, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content == "acknowledged " + std::to_string(i));
  }
}
