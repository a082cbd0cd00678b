#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "replication/changed_regions.hpp"

using namespace haven::replication;
namespace fs = std::filesystem;

namespace {

struct TempLog {
  fs::path dir = fs::temp_directory_path() / ("haven-crl-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  fs::path file = dir / "changed.log";
  ~TempLog() { fs::remove_all(dir); }
};

ChangedRegionsLog open_log(const fs::path& file) {
  auto log = ChangedRegionsLog::open(file);
  REQUIRE(log.ok());
  return std::move(*log);
}

std::string slurp(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& f, const std::string& bytes) {
  std::ofstream out(f, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

TEST_CASE("ranges of one file merge when they touch or overlap, and stay sorted", "[replication][regions]") {
  FileChanges c;
  add_range(c, {100, 10});
  add_range(c, {0, 10});
  add_range(c, {50, 5});
  CHECK(c.ranges == std::vector<ByteRange>{{0, 10}, {50, 5}, {100, 10}});
  add_range(c, {10, 40});  // touches 0..10 and 50..55
  CHECK(c.ranges == std::vector<ByteRange>{{0, 55}, {100, 10}});
  add_range(c, {20, 200});
  CHECK(c.ranges == std::vector<ByteRange>{{0, 220}});
  add_range(c, {500, 0});
  CHECK(c.ranges.size() == 1);
}

TEST_CASE("what was recorded and synced is read back after a reopen", "[replication][regions]") {
  TempLog t;
  {
    auto log = open_log(t.file);
    CHECK(log.intact());
    REQUIRE(log.record_range("db/base.dat", 4096, 4096).ok());
    REQUIRE(log.record_range("db/base.dat", 8192, 100).ok());
    REQUIRE(log.record_whole("new file with spaces\n and a newline").ok());
    REQUIRE(log.record_range("big", 5ull << 30, 1).ok());  // beyond 4 GiB
    REQUIRE(log.sync().ok());
  }
  auto log = open_log(t.file);
  CHECK(log.intact());
  const auto& r = log.regions();
  REQUIRE(r.size() == 3);
  CHECK(r.at("db/base.dat").ranges == std::vector<ByteRange>{{4096, 4196}});
  CHECK(r.at("new file with spaces\n and a newline").whole);
  CHECK(r.at("big").ranges == std::vector<ByteRange>{{5ull << 30, 1}});
}

TEST_CASE("a torn last record is dropped, the log stays intact and appends go after the good ones",
          "[replication][regions]") {
  TempLog t;
  {
    auto log = open_log(t.file);
    REQUIRE(log.record_range("a", 0, 10).ok());
    REQUIRE(log.record_range("b", 0, 10).ok());
    REQUIRE(log.sync().ok());
  }
  auto bytes = slurp(t.file);
  spit(t.file, bytes.substr(0, bytes.size() - 5));  // the crash tore record "b"
  {
    auto log = open_log(t.file);
    CHECK(log.intact());
    CHECK(log.regions().count("a") == 1);
    CHECK(log.regions().count("b") == 0);
    REQUIRE(log.record_range("c", 0, 1).ok());
    REQUIRE(log.sync().ok());
  }
  auto log = open_log(t.file);
  CHECK(log.intact());
  CHECK(log.regions().count("c") == 1);
}

TEST_CASE("a damaged record before the end or a wrong header makes the log not intact", "[replication][regions]") {
  TempLog t;
  {
    auto log = open_log(t.file);
    REQUIRE(log.record_range("first", 0, 10).ok());
    REQUIRE(log.record_range("second", 0, 10).ok());
    REQUIRE(log.sync().ok());
  }
  auto bytes = slurp(t.file);
  SECTION("a flipped byte inside the first record") {
    bytes[8 + 4 + 3] ^= 0x01;
    spit(t.file, bytes);
    auto log = open_log(t.file);
    CHECK_FALSE(log.intact());
    CHECK_THAT(log.damage(), Catch::Contains("before the end"));
  }
  SECTION("an impossible record size") {
    bytes[8 + 3] = '\x7f';
    spit(t.file, bytes);
    auto log = open_log(t.file);
    CHECK_FALSE(log.intact());
    CHECK_THAT(log.damage(), Catch::Contains("impossible size"));
  }
  SECTION("another file's header") {
    bytes[0] = 'X';
    spit(t.file, bytes);
    auto log = open_log(t.file);
    CHECK_FALSE(log.intact());
    CHECK_THAT(log.damage(), Catch::Contains("header"));
  }
}

TEST_CASE("reset empties the record and makes a damaged log intact again", "[replication][regions]") {
  TempLog t;
  {
    auto log = open_log(t.file);
    REQUIRE(log.record_whole("x").ok());
    REQUIRE(log.reset().ok());
    CHECK(log.regions().empty());
  }
  auto log = open_log(t.file);
  CHECK(log.intact());
  CHECK(log.regions().empty());
  CHECK(log.record_range("", 0, 1).error().code == haven::Errc::invalid_argument);
}
