#include <catch2/catch.hpp>
#include <random>

#include "replication/change_message.hpp"

using namespace haven::replication;

namespace {

Change write_of(const std::string& path, std::string data) {
  Change c;
  c.kind = ChangeKind::write;
  c.sequence = 42;
  c.path = path;
  c.offset = 5ull << 30;
  c.length = data.size();
  c.data = std::move(data);
  return c;
}

}  // namespace

TEST_CASE("every kind of change survives encode then decode exactly", "[replication][message]") {
  std::mt19937_64 rng(11);
  for (auto k = static_cast<int>(ChangeKind::write); k <= static_cast<int>(ChangeKind::fsync); ++k) {
    Change c;
    c.kind = static_cast<ChangeKind>(k);
    c.sequence = rng();
    c.path = std::string("dir/na\xffme \n") + std::to_string(k);
    if (c.kind == ChangeKind::rename || c.kind == ChangeKind::link) c.path2 = "other/name";
    if (c.kind == ChangeKind::symlink) c.path2 = "../../anywhere";  // a target, not followed
    c.offset = rng();
    c.mode = 0100644;
    c.uid = 1000;
    c.gid = 1001;
    c.flags = 2;
    c.rdev = rng();
    c.atime_ns = -static_cast<std::int64_t>(rng() >> 2);
    c.mtime_ns = static_cast<std::int64_t>(rng() >> 2);
    if (c.kind == ChangeKind::setxattr || c.kind == ChangeKind::removexattr) c.name = "user.test";
    if (c.kind == ChangeKind::setxattr) c.data = std::string("v\0lue", 5);
    if (c.kind == ChangeKind::write) {
      c.data = std::string(1000, 'x');
      c.length = 1000;
    } else {
      c.length = rng();
    }
    INFO(to_string(c.kind));
    auto bytes = encode(c);
    auto back = decode(bytes);
    REQUIRE(back.ok());
    CHECK(*back == c);
  }
}

TEST_CASE("paths that could leave the replicated directory are refused", "[replication][message]") {
  for (const char* p : {"", "/etc/passwd", "..", "../x", "a/../../x", "a/./b", "a//b", "a/", "./a"}) {
    INFO("path '" << p << "'");
    CHECK_FALSE(is_safe_relative_path(p));
    auto bytes = encode(write_of(p, "x"));
    auto r = decode(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("path"));
  }
  CHECK_FALSE(is_safe_relative_path(std::string("a\0b", 3)));
  CHECK(is_safe_relative_path("a/..b/c.../\xfe"));
  Change rename;
  rename.kind = ChangeKind::rename;
  rename.path = "a";
  rename.path2 = "../b";
  CHECK_FALSE(decode(encode(rename)).ok());
}

TEST_CASE("inconsistent, truncated or oversized changes are refused naming the field", "[replication][message]") {
  auto good = encode(write_of("f", "hello"));
  REQUIRE(decode(good).ok());
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    auto r = decode(std::span(good).first(cut));
    CHECK_FALSE(r.ok());
  }
  auto longer = good;
  longer.push_back(std::byte{0});
  CHECK_THAT(decode(longer).error().message, Catch::Contains("bytes after the end"));

  auto lying = write_of("f", "hello");
  lying.length = 6;
  CHECK_THAT(decode(encode(lying)).error().message, Catch::Contains("carrying 5 bytes"));

  auto unknown = good;
  unknown[0] = std::byte{99};
  CHECK_THAT(decode(unknown).error().message, Catch::Contains("unknown kind 99"));

  Change unlink;
  unlink.kind = ChangeKind::unlink;
  unlink.path = "f";
  unlink.data = "x";
  CHECK_THAT(decode(encode(unlink)).error().message, Catch::Contains("carrying data"));
  unlink.data.clear();
  unlink.path2 = "g";
  CHECK_THAT(decode(encode(unlink)).error().message, Catch::Contains("second path"));

  Change xattr;
  xattr.kind = ChangeKind::setxattr;
  xattr.path = "f";
  CHECK_THAT(decode(encode(xattr)).error().message, Catch::Contains("attribute name"));
  xattr.name = std::string(256, 'n');
  CHECK_THAT(decode(encode(xattr)).error().message, Catch::Contains("255"));

  auto huge = write_of("f", std::string(kMaxChangeData + 1, 'z'));
  CHECK_THAT(decode(encode(huge)).error().message, Catch::Contains("16 MiB"));
}
