#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.hpp"
#include "common/haven_paths.hpp"
#include "heartbeat/cluster_key.hpp"
#include "test_key.hpp"

namespace fs = std::filesystem;
using namespace haven;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("haven-key-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

void write_with_mode(const fs::path& p, const std::string& text, unsigned mode) {
  { std::ofstream(p) << text; }
  ::chmod(p.c_str(), mode);
}

const std::string kHex64 = std::string(64, 'a');

}  // namespace

TEST_CASE("two generated keys differ and have 32 bytes") {
  auto a = generate_cluster_key();
  auto b = generate_cluster_key();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->bytes != b->bytes);
}

TEST_CASE("a saved key loads back identical, with mode 0600 and its fingerprint in the comment") {
  TempDir dir;
  auto path = HavenPaths::under(dir.path).cluster_key();
  auto key = generate_cluster_key();
  REQUIRE(key.ok());
  REQUIRE(save_cluster_key(path, *key).ok());

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto text = read_file(path);
  REQUIRE(text.ok());
  CHECK(text->find(fingerprint_hex(*key)) != std::string::npos);

  auto loaded = load_cluster_key(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->bytes == key->bytes);
}

TEST_CASE("the fingerprint is 16 hex digits of SHA-256 and tells keys apart") {
  // SHA-256 of 32 zero bytes starts with 66687aadf862bd77.
  CHECK(fingerprint_hex(test::key_filled_with(0)) == "66687aadf862bd77");
  CHECK(fingerprint_hex(test::key_filled_with(1)) != fingerprint_hex(test::key_filled_with(0)));
}

TEST_CASE("a missing key file is refused with its path and the way to create one") {
  TempDir dir;
  auto r = load_cluster_key(dir.path / "cluster.key");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::not_found);
  CHECK_THAT(r.error().message, Catch::Contains((dir.path / "cluster.key").string()) &&
                                    Catch::Contains("missing") && Catch::Contains("haven cluster genkey"));
}

TEST_CASE("a key file readable by group or others is refused") {
  TempDir dir;
  auto path = dir.path / "cluster.key";
  for (unsigned mode : {0640u, 0604u, 0620u}) {
    write_with_mode(path, kHex64 + "\n", mode);
    auto r = load_cluster_key(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains(path.string()) && Catch::Contains("chmod 600"));
  }
}

TEST_CASE("review finding 20: a leftover temporary file with a wide mode never holds the key") {
  TempDir dir;
  auto path = dir.path / "cluster.key";
  // What a crashed save of the same process id would have left, readable by everyone.
  auto leftover = dir.path / (".cluster.key.tmp." + std::to_string(::getpid()));
  write_with_mode(leftover, "old\n", 0666);
  auto key = generate_cluster_key();
  REQUIRE(key.ok());
  REQUIRE(save_cluster_key(path, *key).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(std::filesystem::exists(leftover));
  SECTION("nor does a symbolic link planted in its place lead the key elsewhere") {
    auto elsewhere = dir.path / "elsewhere";
    std::filesystem::create_symlink(elsewhere, leftover);
    REQUIRE(save_cluster_key(path, *key).ok());
    CHECK_FALSE(std::filesystem::exists(elsewhere));
    CHECK(load_cluster_key(path).ok());
  }
}

TEST_CASE("review finding 20: a key file owned by another user is refused") {
  if (::geteuid() != 0) {
    WARN("changing a file's owner needs root: not tested here");
    return;
  }
  TempDir dir;
  auto path = dir.path / "cluster.key";
  write_with_mode(path, kHex64 + "\n", 0600);
  REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
  auto r = load_cluster_key(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::refused);
  CHECK_THAT(r.error().message, Catch::Contains("owned by uid 65534") && Catch::Contains("chown 0"));
}

TEST_CASE("a key of the wrong length is refused with the length found and expected") {
  TempDir dir;
  auto path = dir.path / "cluster.key";
  write_with_mode(path, "# comment\n" + std::string(62, 'b') + "\n", 0600);
  auto r = load_cluster_key(path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains(path.string() + ":2") && Catch::Contains("62") &&
                                    Catch::Contains("expected 64"));
}

TEST_CASE("a key with a non-hex character is refused with its position") {
  TempDir dir;
  auto path = dir.path / "cluster.key";
  auto text = kHex64;
  text[10] = 'g';
  write_with_mode(path, text + "\n", 0600);
  auto r = load_cluster_key(path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("character 11") && Catch::Contains("'g'"));
}

TEST_CASE("a key file with no key line or two key lines is refused") {
  TempDir dir;
  auto path = dir.path / "cluster.key";
  write_with_mode(path, "# only a comment\n\n", 0600);
  auto none = load_cluster_key(path);
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Catch::Contains("no key line"));

  write_with_mode(path, kHex64 + "\n" + kHex64 + "\n", 0600);
  auto two = load_cluster_key(path);
  REQUIRE_FALSE(two.ok());
  CHECK_THAT(two.error().message, Catch::Contains(path.string() + ":2") && Catch::Contains("second key line"));
}

TEST_CASE("a key line with surrounding blanks and upper-case hex is accepted") {
  TempDir dir;
  auto path = dir.path / "cluster.key";
  write_with_mode(path, "  " + std::string(64, 'F') + " \r\n", 0600);
  auto r = load_cluster_key(path);
  REQUIRE(r.ok());
  CHECK(r->bytes == test::key_filled_with(0xff).bytes);
}
