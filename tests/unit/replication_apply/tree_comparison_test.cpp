#include "replication_apply/tree_comparison.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "temp_tree.hpp"

using namespace haven::replication;
namespace fs = std::filesystem;

namespace {

const std::string kOddName = std::string("odd\n\xff name");

// The same tree on both sides, every attribute set explicitly so both match.
void build(const TempTree& t) {
  fs::create_directories(t / "d/sub");
  t.write("d/file", "contents");
  t.write("big", std::string(3 << 20, 'x'));
  t.write(kOddName, "odd");
  fs::create_symlink("d/file", t / "link");
  fs::create_hard_link(t / "d/file", t / "d/sub/hard");
  REQUIRE(::mkfifo((t / "fifo").c_str(), 0640) == 0);
  REQUIRE(::setxattr((t / "d/file").c_str(), "user.tag", "v", 1, 0) == 0);
  const timespec times[2] = {{1000, 5}, {2000, 7}};
  for (const char* p : {"d", "d/sub", "d/file", "big", "link", "fifo"}) REQUIRE(::utimensat(AT_FDCWD, (t / p).c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
  REQUIRE(::utimensat(AT_FDCWD, (t / kOddName).c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

std::vector<TreeDifference> compare(const TempTree& a, const TempTree& b, const TreeComparisonOptions& options = {}) {
  auto r = compare_trees(a.path(), b.path(), options);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  for (const auto& d : *r) UNSCOPED_INFO(describe(d));
  return *r;
}

void require_only(const std::vector<TreeDifference>& diffs, const std::string& path, DifferenceKind kind) {
  REQUIRE(diffs.size() == 1);
  CHECK(diffs[0].path == path);
  CHECK(diffs[0].kind == kind);
}

void set_times(const fs::path& p, long sec, long nsec) {
  const timespec times[2] = {{sec, nsec}, {sec, nsec}};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

}  // namespace

TEST_CASE("two trees built alike compare equal", "[tree]") {
  TempTree a, b;
  build(a);
  build(b);
  CHECK(compare(a, b).empty());
  TreeComparisonOptions all;
  all.directory_mtime = true;
  CHECK(compare(a, b, all).empty());
}

TEST_CASE("each attribute changed gives exactly that difference", "[tree]") {
  TempTree a, b;
  build(a);
  build(b);

  SECTION("mode") {
    ::chmod((b / "big").c_str(), 0600);
    require_only(compare(a, b), "big", DifferenceKind::mode);
  }
  SECTION("owner") {
    REQUIRE(::lchown((b / "link").c_str(), 1234, 0) == 0);
    require_only(compare(a, b), "link", DifferenceKind::owner);
    TreeComparisonOptions no_owner;
    no_owner.owner = false;
    CHECK(compare(a, b, no_owner).empty());
  }
  SECTION("mtime to the nanosecond") {
    set_times(b / "big", 2000, 8);
    require_only(compare(a, b), "big", DifferenceKind::mtime);
  }
  SECTION("a folder's mtime only when asked") {
    set_times(b / "d/sub", 3000, 0);
    CHECK(compare(a, b).empty());
    TreeComparisonOptions folders;
    folders.directory_mtime = true;
    require_only(compare(a, b, folders), "d/sub", DifferenceKind::mtime);
  }
  SECTION("contents of the same size") {
    {
      std::fstream f(b / "big", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp((3 << 20) - 1);
      f.put('y');
    }
    set_times(b / "big", 2000, 7);
    require_only(compare(a, b), "big", DifferenceKind::contents);
  }
  SECTION("size") {
    REQUIRE(::truncate((b / kOddName).c_str(), 2) == 0);
    set_times(b / kOddName, 2000, 7);
    require_only(compare(a, b), kOddName, DifferenceKind::size);
  }
  SECTION("symlink target") {
    fs::remove(b / "link");
    fs::create_symlink("d/fil", b / "link");
    set_times(b / "link", 2000, 7);
    require_only(compare(a, b), "link", DifferenceKind::symlink_target);
  }
  SECTION("xattr value, and one missing") {
    REQUIRE(::setxattr((b / "big").c_str(), "user.tag", "w", 1, 0) == 0);
    require_only(compare(a, b), "big", DifferenceKind::xattrs);
    REQUIRE(::setxattr((a / "fifo").c_str(), "trusted.only_a", "1", 1, 0) == 0);
    const auto diffs = compare(a, b);
    REQUIRE(diffs.size() == 2);
    CHECK(diffs[1].path == "fifo");
    CHECK(diffs[1].kind == DifferenceKind::xattrs);
    // Both names of a hard-linked file show the change of their one inode.
    REQUIRE(::setxattr((b / "d/file").c_str(), "user.tag", "w", 1, 0) == 0);
    CHECK(compare(a, b).size() == 4);
  }
  SECTION("hard-link structure") {
    fs::remove(b / "d/sub/hard");
    fs::copy_file(b / "d/file", b / "d/sub/hard");
    REQUIRE(::setxattr((b / "d/sub/hard").c_str(), "user.tag", "v", 1, 0) == 0);
    set_times(b / "d/sub/hard", 2000, 7);
    const auto diffs = compare(a, b);
    REQUIRE(diffs.size() == 2);
    CHECK(diffs[0].path == "d/file");
    CHECK(diffs[0].kind == DifferenceKind::hard_links);
    CHECK(diffs[1].path == "d/sub/hard");
    CHECK(diffs[1].kind == DifferenceKind::hard_links);
  }
  SECTION("type") {
    fs::remove(b / "fifo");
    b.write("fifo", "");
    ::chmod((b / "fifo").c_str(), 0640);
    set_times(b / "fifo", 2000, 7);
    require_only(compare(a, b), "fifo", DifferenceKind::type);
  }
  SECTION("a name in one tree only") {
    a.write("d/sub/extra", "");
    b.write("d/only b", "");
    const auto diffs = compare(a, b);
    REQUIRE(diffs.size() == 2);
    CHECK(diffs[0].path == "d/only b");
    CHECK(diffs[0].kind == DifferenceKind::only_in_b);
    CHECK(diffs[1].path == "d/sub/extra");
    CHECK(diffs[1].kind == DifferenceKind::only_in_a);
  }
}

TEST_CASE("a difference reads as kind, path and both values", "[tree]") {
  const TreeDifference d{"a\nb", DifferenceKind::mode, "a 0644, b 0600"};
  CHECK(describe(d) == "mode of 'a\\x0ab': a 0644, b 0600");
}

TEST_CASE("a tree that does not exist is named in the error", "[tree]") {
  TempTree a;
  const auto r = compare_trees(a.path(), a.path() / "missing");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("missing") != std::string::npos);
}
