// The secondary's read-only view: applications cannot write, the applier's descriptor can.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

#include "mounted_dir.hpp"
#include "replication_fs/read_only_view.hpp"

using haven::replication_fs::ReadOnlyView;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-rov-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()));
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("the read-only view refuses applications' writes and takes the applier's", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  TempDir dir;
  auto view = ReadOnlyView::mount(dir.path);
  REQUIRE(view.ok());
  CHECK(haven::replication_fs::is_read_only_view(dir.path));

  CHECK(open((dir.path / "app").c_str(), O_CREAT | O_WRONLY, 0644) == -1);
  CHECK(errno == EROFS);

  int fd = openat((*view)->lower_fd(), "applied", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "from primary", 12) == 12);
  close(fd);
  CHECK(std::filesystem::file_size(dir.path / "applied") == 12);

  haven::replication_fs::testing::RecordingSink sink;
  haven::replication_fs::ReplicationFilter filter;
  auto over = haven::replication_fs::ReplicatedFs::mount(dir.path, sink, filter);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == haven::Errc::refused);

  REQUIRE((*view)->unmount().ok());
  CHECK_FALSE(haven::replication_fs::is_read_only_view(dir.path));
  fd = open((dir.path / "app").c_str(), O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0);
  close(fd);
  CHECK((*view)->unmount().ok());
}

TEST_CASE("havend's detach removes a read-only view left by a dead agent", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  TempDir dir;
  auto view = ReadOnlyView::mount(dir.path);
  REQUIRE(view.ok());
  REQUIRE(haven::replication_fs::detach_haven_mount(dir.path).ok());
  CHECK_FALSE(haven::replication_fs::is_read_only_view(dir.path));
  int fd = open((dir.path / "writable").c_str(), O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0);
  close(fd);
}

TEST_CASE("a plain read-only bind of another folder is not taken for a view", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  TempDir dir;
  CHECK_FALSE(haven::replication_fs::is_read_only_view(dir.path));
  CHECK_FALSE(haven::replication_fs::is_read_only_view("/proc"));
}

TEST_CASE("finding 7: the read-only view is nosuid and nodev, and keeps noexec from the file system beneath",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  TempDir dir;
  // A data partition mounted noexec, as an administrator would mount one.
  REQUIRE(::mount("tmpfs", dir.path.c_str(), "tmpfs", MS_NOEXEC, "size=1m") == 0);
  const auto data = dir.path / "data";
  std::filesystem::create_directory(data);
  {
    auto view = ReadOnlyView::mount(data);
    REQUIRE(view.ok());
    struct statvfs st {};
    REQUIRE(::statvfs(data.c_str(), &st) == 0);
    CHECK((st.f_flag & ST_RDONLY) != 0);
    CHECK((st.f_flag & ST_NOSUID) != 0);
    CHECK((st.f_flag & ST_NODEV) != 0);
    CHECK((st.f_flag & ST_NOEXEC) != 0);
    REQUIRE((*view)->unmount().ok());
  }
  ::umount2(dir.path.c_str(), MNT_DETACH);
}
