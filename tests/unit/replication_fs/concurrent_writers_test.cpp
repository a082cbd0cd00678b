// Several threads write, truncate, rename and unlink the same few files at once. Replaying
// the recorded changes in sequence order onto an empty tree must give exactly the tree the
// mount holds: the order the sink saw is an order the local effects could have happened in.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <thread>

#include "mounted_dir.hpp"

using haven::replication::Change;
using haven::replication::ChangeKind;
using haven::replication_fs::testing::MountedDir;

namespace {

using Tree = std::map<std::string, std::string>;

// Just enough of an applier for the kinds these writers produce.
Tree replay(const std::vector<Change>& changes) {
  Tree tree;
  for (const auto& c : changes) {
    switch (c.kind) {
      case ChangeKind::create: tree.try_emplace(c.path); break;
      case ChangeKind::write: {
        std::string& file = tree[c.path];
        if (file.size() < c.offset + c.length) file.resize(c.offset + c.length, '\0');
        file.replace(c.offset, c.length, c.data);
        break;
      }
      case ChangeKind::truncate: tree[c.path].resize(c.length, '\0'); break;
      case ChangeKind::unlink: tree.erase(c.path); break;
      case ChangeKind::rename: {
        auto node = tree.extract(c.path);
        if (!node.empty()) {
          tree.erase(c.path2);
          node.key() = c.path2;
          tree.insert(std::move(node));
        }
        break;
      }
      default: break;
    }
  }
  return tree;
}

Tree read_tree(MountedDir& m) {
  Tree tree;
  DIR* dir = opendir(m.dir().c_str());
  REQUIRE(dir);
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") tree[name] = m.lower_content(name);
  }
  closedir(dir);
  return tree;
}

void writer(MountedDir& m, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
  for (int i = 0; i < 300; ++i) {
    const std::string name = m.path("f" + std::to_string(pick(6)));
    const int op = pick(100);
    if (op < 50) {
      int fd = open(name.c_str(), O_CREAT | O_WRONLY | (op < 10 ? O_APPEND : 0), 0644);
      if (fd < 0) continue;
      std::string data(1 + pick(8192), static_cast<char>('a' + pick(26)));
      (void)!pwrite(fd, data.data(), data.size(), pick(32768));
      if (op % 7 == 0) (void)!fsync(fd);
      close(fd);
    } else if (op < 65) {
      (void)!truncate(name.c_str(), pick(40000));
    } else if (op < 80) {
      unlink(name.c_str());
    } else if (op < 90) {
      rename(name.c_str(), m.path("f" + std::to_string(pick(6))).c_str());
    } else {
      int fd = open(name.c_str(), O_WRONLY | O_TRUNC);
      if (fd >= 0) close(fd);
    }
  }
}

}  // namespace

TEST_CASE("concurrent writers: the changes in sequence order rebuild the same tree", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  const std::uint32_t seed = std::random_device{}();
  INFO("seed " << seed << " (replay: set it in this test)");
  MountedDir m;
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < 4; ++t) threads.emplace_back(writer, std::ref(m), seed + t);
  for (auto& t : threads) t.join();
  // Files unlinked while open live on as .fuse_hidden* until the kernel releases them.
  REQUIRE(m.settle());

  auto changes = m.sink().take();
  for (std::size_t i = 1; i < changes.size(); ++i) REQUIRE(changes[i].sequence == changes[i - 1].sequence + 1);
  CHECK(changes.size() > 100);
  const Tree expected = read_tree(m);
  const Tree replayed = replay(changes);
  std::string names_expected, names_replayed;
  for (const auto& entry : expected) names_expected += entry.first + " ";
  for (const auto& entry : replayed) names_replayed += entry.first + " ";
  INFO("in the mount: " << names_expected << "; replayed: " << names_replayed);
  if (replayed.size() != expected.size())
    for (const auto& c : changes)
      if (c.path.starts_with(".fuse") || c.path2.starts_with(".fuse"))
        UNSCOPED_INFO(c.sequence << " " << haven::replication::to_string(c.kind) << " " << c.path << " " << c.path2);
  REQUIRE(replayed.size() == expected.size());
  for (const auto& [name, content] : expected) {
    INFO(name);
    REQUIRE(replayed.count(name) == 1);
    CHECK(replayed.at(name) == content);
  }
}
