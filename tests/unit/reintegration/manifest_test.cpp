#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "random_tree.hpp"
#include "reintegration/manifest_codec.hpp"
#include "reintegration/tree_manifest.hpp"
#include "test_support.hpp"

using namespace haven::reintegration;

namespace {

void write(const TempDir& dir, const std::string& rel, const std::string& data) {
  std::ofstream(dir.path() / rel, std::ios::binary) << data;
}

TreeManifest manifest_of(const TempDir& dir, ManifestOptions options = {}) {
  auto m = build_manifest(dir.fd(), options, "test tree");
  REQUIRE(m.ok());
  return std::move(*m);
}

}  // namespace

TEST_CASE("a manifest describes each entry: type, mode, owner, size, link target, hard links, xattrs, hashes") {
  TempDir dir;
  ::mkdirat(dir.fd(), "d", 0750);
  write(dir, "d/f", std::string(300 * 1024, 'x'));
  ::linkat(dir.fd(), "d/f", dir.fd(), "d/g", 0);
  ::symlinkat("../nowhere", dir.fd(), "l");
  ::mkfifoat(dir.fd(), "p", 0600);
  const std::string odd = "n\nx\xff y";
  write(dir, odd, "odd");
  ::fchownat(dir.fd(), odd.c_str(), 1234, 567, 0);
  REQUIRE(::setxattr((dir.path() / "d/f").c_str(), "user.k", "v", 1, 0) == 0);

  ManifestOptions options;
  options.with_hashes = true;
  const TreeManifest m = manifest_of(dir, options);
  REQUIRE(m.entries.size() == 6);
  const ManifestEntry* d = find_entry(m, "d");
  REQUIRE(d != nullptr);
  CHECK(d->type == EntryType::directory);
  CHECK(d->mode == 0750);
  const ManifestEntry* f = find_entry(m, "d/f");
  REQUIRE(f != nullptr);
  CHECK(f->size == 300 * 1024);
  REQUIRE(f->hashes.has_value());
  CHECK(f->hashes->hashes.size() == 3);  // 128 KiB blocks
  CHECK(f->xattrs == Xattrs{{"user.k", "v"}});
  CHECK(f->link_group != 0);
  CHECK(link_names(m, *f) == std::vector<std::string>{"d/f", "d/g"});
  CHECK(find_entry(m, "l")->symlink_target == "../nowhere");
  CHECK(find_entry(m, "l")->type == EntryType::symlink);
  CHECK(find_entry(m, "p")->type == EntryType::fifo);
  CHECK(find_entry(m, odd)->uid == 1234);
  CHECK(find_entry(m, odd)->gid == 567);
}

TEST_CASE("a manifest leaves out what the filter keeps local, and what is below a folder it keeps") {
  TempDir dir;
  ::mkdirat(dir.fd(), "cache", 0755);
  write(dir, "cache/big", "zzz");
  write(dir, "keep", "k");
  write(dir, "skip.tmp", "t");
  ManifestOptions options;
  options.filter = [](std::string_view path, bool) { return path != "cache" && !path.ends_with(".tmp"); };
  const TreeManifest m = manifest_of(dir, options);
  REQUIRE(m.entries.size() == 1);
  CHECK(m.entries[0].path == "keep");
}

TEST_CASE("a manifest of roots holds those paths and what is below them, and skips absent ones") {
  TempDir dir;
  ::mkdirat(dir.fd(), "a", 0755);
  write(dir, "a/1", "1");
  write(dir, "b", "b");
  write(dir, "c", "c");
  ManifestOptions options;
  options.roots = std::vector<std::string>{"a", "c", "gone"};
  const TreeManifest m = manifest_of(dir, options);
  std::vector<std::string> paths;
  for (const auto& e : m.entries) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"a", "a/1", "c"});
  options.roots = std::vector<std::string>{};
  CHECK(manifest_of(dir, options).entries.empty());
}

TEST_CASE("a manifest survives encoding and decoding unchanged") {
  const auto seed = static_cast<std::uint32_t>(GENERATE(1, 2, 3));
  INFO("seed " << seed);
  TempDir dir;
  make_random_tree(dir.fd(), seed);
  ManifestOptions options;
  options.with_hashes = true;
  const TreeManifest m = manifest_of(dir, options);
  auto decoded = decode_manifest(encode_manifest(m));
  REQUIRE(decoded.ok());
  CHECK(*decoded == m);
}

TEST_CASE("the decoder refuses a manifest the peer got wrong, naming what is wrong") {
  TreeManifest m;
  ManifestEntry a;
  a.path = "a";
  a.size = 10;
  a.hashes = haven::replication::BlockHashes{m.block_size, 10, {42}};
  ManifestEntry b;
  b.path = "b";
  b.type = EntryType::directory;
  m.entries = {a, b};
  const auto good = encode_manifest(m);
  REQUIRE(decode_manifest(good).ok());

  SECTION("cut short") {
    auto bytes = good;
    bytes.resize(bytes.size() - 3);
    auto r = decode_manifest(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == haven::Errc::invalid_argument);
  }
  SECTION("trailing bytes") {
    auto bytes = good;
    bytes.push_back(std::byte{0});
    CHECK_FALSE(decode_manifest(bytes).ok());
  }
  SECTION("not sorted") {
    std::swap(m.entries[0], m.entries[1]);
    auto r = decode_manifest(encode_manifest(m));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("increasing") != std::string::npos);
  }
  SECTION("a path leaving the directory") {
    m.entries[0].path = "../etc/passwd";
    auto r = decode_manifest(encode_manifest(m));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("'..'") != std::string::npos);
  }
  SECTION("hashes that do not match the size") {
    m.entries[0].size = 300 * 1024;
    auto r = decode_manifest(encode_manifest(m));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("block hashes") != std::string::npos);
  }
  SECTION("a huge entry count") {
    auto bytes = good;
    bytes[13 + 7] = std::byte{0x7f};  // top byte of the count
    CHECK_FALSE(decode_manifest(bytes).ok());
  }
  SECTION("another magic") {
    auto bytes = good;
    bytes[0] = std::byte{'X'};
    CHECK_FALSE(decode_manifest(bytes).ok());
  }
}
