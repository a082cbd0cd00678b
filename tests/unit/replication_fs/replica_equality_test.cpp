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
#include "random_file_operations.hpp"
#include "replication_apply/applier.hpp"
#include "replication_apply/tree_comparison.hpp"

using haven::replication_fs::testing::MountedDir;

namespace {

void random_operations(MountedDir& m, std::uint32_t seed, int count) {
  haven::testing::random_file_operations(m.path(""), seed, count);
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
