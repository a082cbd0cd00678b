#include <catch2/catch.hpp>

#include "replication_fs/mount_table.hpp"
#include "replication_fs/replication_filter.hpp"

using haven::config::NotReplicated;
using haven::replication_fs::ReplicationFilter;

namespace {

ReplicationFilter filter_of(std::vector<NotReplicated> rules) {
  auto filter = ReplicationFilter::from_config(rules, "userconfig.xml line 7");
  REQUIRE(filter.ok());
  return std::move(filter).value();
}

}  // namespace

TEST_CASE("with no <notreplicated> every path is replicated", "[replication_filter]") {
  ReplicationFilter filter;
  CHECK(filter.replicates("a", false));
  CHECK(filter.replicates("a/b/c", true));
  CHECK_FALSE(filter.depends_on_type());
}

TEST_CASE("a notreplicated path keeps that path and everything below it local", "[replication_filter]") {
  auto filter = filter_of({{"cache/tmp", ""}});
  CHECK_FALSE(filter.replicates("cache/tmp", true));
  CHECK_FALSE(filter.replicates("cache/tmp/x", false));
  CHECK_FALSE(filter.replicates("cache/tmp/x/y", false));
  CHECK(filter.replicates("cache", true));
  CHECK(filter.replicates("cache/tmpfile", false));  // a name that merely starts the same
  CHECK(filter.replicates("cache/other", false));
}

TEST_CASE("a notreplicated path is matched in its normal form", "[replication_filter]") {
  auto filter = filter_of({{"./logs//", ""}});
  CHECK_FALSE(filter.replicates("logs", true));
  CHECK_FALSE(filter.replicates("logs/a.log", false));
}

TEST_CASE("a notreplicated regexpath keeps matching paths and what is below them local", "[replication_filter]") {
  auto filter = filter_of({{"", "\\.tmp$"}, {"", "(^|/)lost\\+found$"}});
  CHECK_FALSE(filter.replicates("a.tmp", false));
  CHECK_FALSE(filter.replicates("d/e/a.tmp", false));
  CHECK(filter.replicates("a.tmpx", false));
  CHECK_FALSE(filter.replicates("lost+found", true));
  CHECK_FALSE(filter.replicates("lost+found/#123", false));
  CHECK(filter.replicates("notlost+found", true));
  CHECK_FALSE(filter.depends_on_type());
}

TEST_CASE("a !regexpath replicates only the files that match, and every directory", "[replication_filter]") {
  auto filter = filter_of({{"", "!\\.dbf$"}});
  CHECK(filter.depends_on_type());
  CHECK(filter.replicates("data/base.dbf", false));
  CHECK_FALSE(filter.replicates("data/base.log", false));
  CHECK(filter.replicates("data", true));
  CHECK(filter.replicates("data/sub", true));
}

TEST_CASE("names with any bytes are matched as bytes", "[replication_filter]") {
  auto filter = filter_of({{"a\x01\xff b", ""}});
  CHECK_FALSE(filter.replicates("a\x01\xff b", false));
  CHECK_FALSE(filter.replicates("a\x01\xff b/\n", false));
  CHECK(filter.replicates("a\x01\xfe b", false));
}

TEST_CASE("a regexpath that does not compile is refused with the place and the reason", "[replication_filter]") {
  auto filter = ReplicationFilter::from_config({{"", "a(b"}}, "userconfig.xml line 7");
  REQUIRE_FALSE(filter.ok());
  CHECK(filter.error().code == haven::Errc::invalid_argument);
  CHECK_THAT(filter.error().message, Catch::Contains("userconfig.xml line 7") && Catch::Contains("a(b") &&
                                         Catch::Contains("extended regular expression"));
}

TEST_CASE("a notreplicated path that leaves the directory is refused", "[replication_filter]") {
  for (const char* bad : {"/etc", "../x", "a/../../x", "."}) {
    auto filter = ReplicationFilter::from_config({{bad, ""}}, "userconfig.xml line 9");
    INFO(bad);
    REQUIRE_FALSE(filter.ok());
    CHECK_THAT(filter.error().message, Catch::Contains("userconfig.xml line 9") && Catch::Contains(bad));
  }
}

TEST_CASE("mount points with escaped characters are read back as the kernel names them", "[mount_table]") {
  using haven::replication_fs::detail::unescape_mount_field;
  CHECK(unescape_mount_field("/srv/my\\040data") == "/srv/my data");
  CHECK(unescape_mount_field("/a\\011b\\012c\\134d") == "/a\tb\nc\\d");
  CHECK(unescape_mount_field("/plain") == "/plain");
  CHECK(unescape_mount_field("/trailing\\04") == "/trailing\\04");
}
