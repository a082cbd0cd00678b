// The two halves of replication joined without the network: several threads run random
// operations through the mount, the secondary's applier (core/replication_apply) applies the
// recorded changes in sequence order to another directory, and the two trees must be equal
// by every attribute replication carries (contents, modes, owners, mtimes, xattrs, links).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <thread>

#include "mounted_dir.hpp"
#include "replication_apply/applier.hpp"
#include "replication_apply/tree_comparison.hpp"

using haven::replication_fs::testing::MountedDir;

namespace {

void random_operations(MountedDir& m, std::uint32_t seed, int count) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
  auto name = [&] {
    static const char* dirs[] = {"", "d1/", "d2/", "d1/sub/"};
    return m.path(std::string(dirs[pick(4)]) + "n" + std::to_string(pick(5)));
  };
  for (int i = 0; i < count; ++i) {
    const std::string a = name();
    switch (pick(12)) {
      case 0:
      case 1:
      case 2: {
        int fd = open(a.c_str(), O_CREAT | O_WRONLY, 0600 + pick(0100));
        if (fd < 0) break;
        std::string data(1 + pick(20000), static_cast<char>('a' + pick(26)));
        (void)!pwrite(fd, data.data(), data.size(), pick(3) == 0 ? (1 << 20) : pick(30000));
        close(fd);
        break;
      }
      case 3: (void)!truncate(a.c_str(), pick(40000)); break;
      case 4: unlink(a.c_str()); break;
      case 5: rename(a.c_str(), name().c_str()); break;
      case 6: mkdir(a.c_str(), 0700 + pick(077)); break;
      case 7: rmdir(a.c_str()); break;
      case 8: link(a.c_str(), name().c_str()); break;
      case 9: symlink("target-of-link", a.c_str()); break;
      case 10: chmod(a.c_str(), 0600 + pick(0177)); break;
      case 11: {
        const std::string value = std::to_string(pick(1000));
        lsetxattr(a.c_str(), "user.k", value.data(), value.size(), 0);
        break;
      }
    }
  }
}

}  // namespace

TEST_CASE("random operations from several threads, applied on a replica, give an equal tree", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  MountedDir m;
  REQUIRE(mkdir(m.path("d1").c_str(), 0755) == 0);
  REQUIRE(mkdir(m.path("d2").c_str(), 0755) == 0);
  REQUIRE(mkdir(m.path("d1/sub").c_str(), 0755) == 0);

  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < 4; ++t) threads.emplace_back(random_operations, std::ref(m), seed + t, 500);
  for (auto& t : threads) t.join();
  REQUIRE(m.settle());
  auto changes = m.sink().take();

  std::string pattern = (std::filesystem::temp_directory_path() / "haven-replica-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()));
  const std::filesystem::path replica = pattern;
  int replica_fd = open(replica.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(replica_fd >= 0);
  {
    haven::replication::Applier applier(replica_fd);
    for (const auto& change : changes) {
      auto applied = applier.apply(change);
      INFO(haven::replication::describe_change(change));
      REQUIRE(applied.ok());
      if (!applied.ok()) FAIL(applied.error().message);
    }
  }
  auto differences = haven::replication::compare_trees(m.fs().lower_fd(), replica_fd);
  close(replica_fd);
  REQUIRE(differences.ok());
  for (const auto& d : *differences) UNSCOPED_INFO(haven::replication::describe(d));
  CHECK(differences->empty());
  CHECK(changes.size() > 500);
  std::error_code ec;
  std::filesystem::remove_all(replica, ec);
}
