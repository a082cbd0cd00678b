// A fenced file system (the node left the primary role): every change through the mount fails
// with EROFS and nothing reaches the directory underneath nor the sink; reads go on. And the
// processes still holding files there are found (by mount id, through /proc) and can be killed.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "mounted_dir.hpp"
#include "replication_fs/mount_holders.hpp"

using haven::replication_fs::testing::MountedDir;

namespace {

// Closed whatever happens: a mount's destructor waits until nothing holds it, so a failed
// REQUIRE with a file still open would hang the test instead of reporting.
struct Held {
  int fd;
  ~Held() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

TEST_CASE("a fenced mount refuses every change with EROFS, changes nothing underneath and reads on", "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  Held held{::open(m.path("journal").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644)};
  const int fd = held.fd;
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "one\n", 4) == 4);
  REQUIRE(::fsync(fd) == 0);
  REQUIRE(::mkdir(m.path("sub").c_str(), 0755) == 0);
  (void)m.sink().take();

  m.fs().fence();
  CHECK(m.fs().fenced());

  errno = 0;
  CHECK(::write(fd, "two\n", 4) == -1);
  CHECK(errno == EROFS);
  errno = 0;
  CHECK(::fsync(fd) == -1);
  CHECK(errno == EROFS);
  CHECK(::ftruncate(fd, 0) == -1);
  CHECK(::open(m.path("journal").c_str(), O_WRONLY) == -1);
  CHECK(errno == EROFS);
  CHECK(::open(m.path("new").c_str(), O_CREAT | O_WRONLY, 0644) == -1);
  CHECK(::mkdir(m.path("other").c_str(), 0755) == -1);
  CHECK(::rename(m.path("journal").c_str(), m.path("renamed").c_str()) == -1);
  CHECK(::unlink(m.path("journal").c_str()) == -1);
  CHECK(::rmdir(m.path("sub").c_str()) == -1);
  CHECK(::chmod(m.path("journal").c_str(), 0600) == -1);
  CHECK(::symlink("journal", m.path("link").c_str()) == -1);

  // Nothing changed underneath, nothing was handed to the sink, reads still work.
  CHECK(m.lower_content("journal") == "one\n");
  CHECK(m.sink().take().empty());
  std::ifstream in(m.path("journal"));
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line == "one");
  struct stat st {};
  CHECK(::stat(m.path("sub").c_str(), &st) == 0);
}

TEST_CASE("a write in progress when the fence comes completes; the next one is refused", "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  Held held{::open(m.path("log").c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644)};
  const int fd = held.fd;
  REQUIRE(fd >= 0);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<int> refused{0};
  std::thread writer([&] {
    while (!stop.load()) {
      if (::write(fd, "0123456789\n", 11) == 11) {
        ++written;
        continue;
      }
      if (errno == EROFS) ++refused;
      break;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (written.load() < 50 && refused.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  m.fs().fence();
  const auto at_fence = m.lower_content("log").size();
  writer.join();  // its next write after the fence is refused
  stop = true;
  CHECK(refused.load() == 1);
  // Every byte underneath was written by a call that returned success, and none after the fence.
  CHECK(m.lower_content("log").size() == at_fence);
  CHECK(at_fence == static_cast<std::size_t>(written.load()) * 11);
}

TEST_CASE("the processes holding files on a mount are named, and killed on demand", "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const int fd = ::open(m.path("held").c_str(), O_CREAT | O_WRONLY, 0644);
    (void)!::write(ready[1], fd >= 0 ? "y" : "n", 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char answer = 0;
  REQUIRE(::read(ready[0], &answer, 1) == 1);
  ::close(ready[0]);
  REQUIRE(answer == 'y');

  const auto holders = haven::replication_fs::find_mount_holders(m.dir());
  REQUIRE(holders.size() == 1);  // this process is never counted
  CHECK(holders[0].pid == child);
  CHECK(holders[0].use.find("fd ") == 0);
  CHECK(holders[0].use.find("held") != std::string::npos);
  CHECK(haven::replication_fs::describe_holders(holders).find(std::to_string(child)) == 0);

  const auto left = haven::replication_fs::kill_holders(holders, std::chrono::seconds(5));
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(left.empty());
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(haven::replication_fs::find_mount_holders(m.dir()).empty());
}

TEST_CASE("a mount detached while a file is held serves that holder, fenced, and the path is free again", "[fuse][fence]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  Held held{::open(m.path("kept").c_str(), O_CREAT | O_RDWR, 0644)};
  const int fd = held.fd;
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "before\n", 7) == 7);
  m.fs().fence();
  REQUIRE(m.fs().detach().ok());
  // The holder still reads through the detached mount, and still cannot write.
  char buffer[16] = {};
  CHECK(::pread(fd, buffer, 7, 0) == 7);
  CHECK(std::string(buffer, 7) == "before\n");
  CHECK(::write(fd, "after\n", 6) == -1);
  // The path shows the directory underneath again.
  CHECK_FALSE(haven::replication_fs::is_haven_mount(m.dir()));
}
