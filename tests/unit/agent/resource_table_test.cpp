#include <catch2/catch.hpp>

#include "agent/resource_table.hpp"

using haven::ResourceTable;

namespace {
const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(1);
const auto t1 = t0 + std::chrono::seconds(5);
}  // namespace

TEST_CASE("a user resource is created, changed and reports whether its value changed", "[resources]") {
  ResourceTable table;
  auto first = table.set_by_user("custom.db", "up", "dbcheck", t0);
  REQUIRE(first.ok());
  CHECK(*first);
  auto same = table.set_by_user("custom.db", "up", "dbcheck", t1);
  REQUIRE(same.ok());
  CHECK_FALSE(*same);
  CHECK(table.get("custom.db")->since == t0);  // unchanged value keeps its time
  auto changed = table.set_by_user("custom.db", "down", "", t1);
  REQUIRE(changed.ok());
  CHECK(*changed);
  auto r = table.get("custom.db");
  REQUIRE(r);
  CHECK(r->value == "down");
  CHECK(r->set_by == "admin");
  CHECK(r->since == t1);
}

TEST_CASE("haven's own resource classes cannot be set from outside", "[resources]") {
  ResourceTable table;
  for (const char* name : {"rfs.uptodate", "heartbeat.default", "usersetting.failover", "heart.stopstartloop"}) {
    auto r = table.set_by_user(name, "up", "x", t0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == haven::Errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains(name));
  }
  CHECK(table.set_by_host("rfs.uptodate", "down", t0));
  CHECK(table.get("rfs.uptodate")->set_by == "haven");
}

TEST_CASE("bad resource names and values are refused with what is expected", "[resources]") {
  ResourceTable table;
  for (const char* name : {"nodot", ".x", "x.", "a b.c", "ab"}) {
    auto r = table.set_by_user(name, "up", "", t0);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("class.id"));
  }
  auto v = table.set_by_user("custom.x", "maybe", "", t0);
  REQUIRE_FALSE(v.ok());
  CHECK_THAT(v.error().message, Catch::Contains("expected up, down, init or unknown"));
  CHECK(table.list().empty());
}

TEST_CASE("list returns every resource sorted by name", "[resources]") {
  ResourceTable table;
  (void)table.set_by_user("custom.b", "up", "", t0);
  (void)table.set_by_user("custom.a", "down", "", t0);
  table.set_by_host("heartbeat.lan1", "init", t0);
  auto all = table.list();
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "custom.a");
  CHECK(all[1].name == "custom.b");
  CHECK(all[2].name == "heartbeat.lan1");
}
