// The primary's session when the node leaves its role: a lazy stop fences the mount, so a
// process the stop hooks missed can neither write nor have anything acknowledged; and the
// writes a lost secondary lacks fail when the node leaves the role instead of going on alone.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <future>

#include "replication_fs/read_only_view.hpp"
#include "replication_fs/replicated_fs.hpp"
#include "session_pair.hpp"

using namespace std::chrono_literals;
using haven::replication_session::testing::SessionPair;
using haven::replication_session::testing::start_in_sync;

namespace {

// One append then fdatasync; errno of the first call that failed, 0 when both worked.
int append_synced(int fd, const std::string& record) {
  if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size())) return errno;
  if (::fdatasync(fd) != 0) return errno;
  return 0;
}

}  // namespace

TEST_CASE("a lazy stop with a file still open fences it: the holder's writes fail, nothing more is replicated",
          "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  start_in_sync(pair);
  const int fd = ::open((pair.a() / "journal").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(append_synced(fd, "one\n") == 0);

  // Returns although the file is still open: the mount is fenced and detached.
  REQUIRE(pair.primary().stop(true).ok());
  CHECK(pair.primary().state_json()["role"] == "stopped");
  CHECK_FALSE(haven::replication_fs::is_haven_mount(pair.a()));

  CHECK(append_synced(fd, "two\n") == EROFS);
  CHECK(::fsync(fd) == -1);
  ::close(fd);
  REQUIRE(pair.secondary()->drain(20s).ok());
  CHECK(std::filesystem::file_size(pair.b() / "journal") == 4);
  CHECK(std::filesystem::file_size(pair.a() / "journal") == 4);
}

TEST_CASE("the writes a lost secondary lacks wait for the node's decision; leaving the role fails them with EIO",
          "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  pair.alone_on_loss = false;  // the test decides, as the agent would
  start_in_sync(pair);
  const int fd = ::open((pair.a() / "journal").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(append_synced(fd, "acknowledged\n") == 0);

  pair.kill_secondary();
  auto pending = std::async(std::launch::async, [fd] { return append_synced(fd, "never acknowledged\n"); });
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pair.primary().held_changes() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(pair.primary().held_changes() >= 1);
  CHECK(pending.wait_for(200ms) == std::future_status::timeout);

  pair.primary().refuse_unforwarded("module mirror: this node leaves the primary role (WAIT)");
  REQUIRE(pending.wait_for(10s) == std::future_status::ready);
  CHECK(pending.get() == EIO);
  ::close(fd);
  REQUIRE(pair.primary().stop(true).ok());
}

TEST_CASE("the writes a lost secondary lacks are acknowledged once the node goes on alone", "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair pair;
  pair.alone_on_loss = false;
  start_in_sync(pair);
  const int fd = ::open((pair.a() / "journal").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  pair.kill_secondary();
  auto pending = std::async(std::launch::async, [fd] { return append_synced(fd, "alone\n"); });
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));
  CHECK(pending.wait_for(300ms) == std::future_status::timeout);
  pair.primary().allow_alone();
  REQUIRE(pending.wait_for(10s) == std::future_status::ready);
  CHECK(pending.get() == 0);
  CHECK(append_synced(fd, "still alone\n") == 0);
  ::close(fd);
}
