// The primary's request for the secondary's manifest, as it crosses the link.
#include <catch2/catch.hpp>
#include <cstring>

#include "reintegration/manifest_codec.hpp"

using namespace haven::reintegration;

TEST_CASE("a manifest request carries hashes, block size and roots, and nothing else", "[manifest]") {
  ManifestOptions options;
  options.with_hashes = true;
  options.block_size = 64 * 1024;
  options.roots = std::vector<std::string>{"a", "b/c", std::string("n\xff" "ame", 5)};
  options.filter = [](std::string_view, bool) { return false; };
  auto decoded = decode_manifest_request(encode_manifest_request(options));
  REQUIRE(decoded.ok());
  CHECK(decoded->with_hashes);
  CHECK(decoded->block_size == 64 * 1024);
  REQUIRE(decoded->roots);
  CHECK(*decoded->roots == *options.roots);
  CHECK_FALSE(decoded->filter);  // the secondary applies its own <notreplicated>

  ManifestOptions whole;
  auto plain = decode_manifest_request(encode_manifest_request(whole));
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->with_hashes);
  CHECK_FALSE(plain->roots);

  ManifestOptions none;
  none.roots = std::vector<std::string>{};
  auto empty = decode_manifest_request(encode_manifest_request(none));
  REQUIRE(empty.ok());
  REQUIRE(empty->roots);
  CHECK(empty->roots->empty());
}

TEST_CASE("a malformed manifest request is refused saying what is wrong", "[manifest]") {
  ManifestOptions options;
  options.roots = std::vector<std::string>{"ok"};
  const auto good = encode_manifest_request(options);
  auto message_of = [](std::vector<std::byte> bytes) {
    auto decoded = decode_manifest_request(bytes);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == haven::Errc::invalid_argument);
    return decoded.error().message;
  };
  auto bad_magic = good;
  bad_magic[0] = std::byte{'X'};
  CHECK(message_of(bad_magic).find("HVMQ") != std::string::npos);
  for (std::size_t cut = 0; cut < good.size(); ++cut)
    CHECK_FALSE(decode_manifest_request(std::span(good).first(cut)).ok());
  auto extra = good;
  extra.push_back(std::byte{0});
  CHECK(message_of(extra).find("left over") != std::string::npos);

  ManifestOptions escaping;
  escaping.roots = std::vector<std::string>{"../etc"};
  CHECK(message_of(encode_manifest_request(escaping)).find("not a path inside") != std::string::npos);
  ManifestOptions tiny;
  tiny.block_size = 512;
  CHECK(message_of(encode_manifest_request(tiny)).find("block size") != std::string::npos);
}
