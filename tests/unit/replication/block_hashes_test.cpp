#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "replication/block_hashes.hpp"

using namespace haven::replication;

namespace {

std::vector<std::byte> random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(size);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xff);
  return out;
}

BlockHashes hashes_of(const std::vector<std::byte>& data, std::uint64_t block) {
  auto h = hash_blocks(data, block);
  REQUIRE(h.ok());
  return *h;
}

std::vector<ByteRange> diff(const std::vector<std::byte>& source, const std::vector<std::byte>& target,
                            std::uint64_t block) {
  auto r = ranges_to_send(hashes_of(source, block), hashes_of(target, block));
  REQUIRE(r.ok());
  return *r;
}

// Applies the ranges and the final truncation, as the secondary would.
std::vector<std::byte> apply(std::vector<std::byte> target, const std::vector<std::byte>& source,
                             const std::vector<ByteRange>& ranges) {
  target.resize(std::max(target.size(), source.size()));
  for (const auto& r : ranges)
    std::copy(source.begin() + static_cast<long>(r.offset), source.begin() + static_cast<long>(r.offset + r.length),
              target.begin() + static_cast<long>(r.offset));
  target.resize(source.size());
  return target;
}

}  // namespace

TEST_CASE("equal copies need nothing sent", "[replication][blocks]") {
  auto data = random_bytes(10000, 1);
  CHECK(diff(data, data, 1024).empty());
  CHECK(diff({}, {}, 1024).empty());
}

TEST_CASE("one changed byte sends exactly its block", "[replication][blocks]") {
  auto source = random_bytes(10 * 1024, 2);
  auto target = source;
  target[3 * 1024 + 17] ^= std::byte{0x40};
  CHECK(diff(source, target, 1024) == std::vector<ByteRange>{{3 * 1024, 1024}});
}

TEST_CASE("adjacent differing blocks are merged into one range, others stay apart", "[replication][blocks]") {
  auto source = random_bytes(10 * 1024, 3);
  auto target = source;
  for (std::size_t at : {2 * 1024, 3 * 1024 + 5, 7 * 1024 + 9}) target[at] ^= std::byte{1};
  CHECK(diff(source, target, 1024) == std::vector<ByteRange>{{2 * 1024, 2 * 1024}, {7 * 1024, 1024}});
}

TEST_CASE("a longer source sends its tail, including a short last block", "[replication][blocks]") {
  auto source = random_bytes(5000, 4);
  std::vector<std::byte> target(source.begin(), source.begin() + 2048);
  auto ranges = diff(source, target, 1024);
  CHECK(ranges == std::vector<ByteRange>{{2048, 5000 - 2048}});
  CHECK(total_length(ranges) == 5000 - 2048);
}

TEST_CASE("a target cut inside a block gets that whole block again", "[replication][blocks]") {
  auto source = random_bytes(4096, 5);
  std::vector<std::byte> target(source.begin(), source.begin() + 1500);
  CHECK(diff(source, target, 1024) == std::vector<ByteRange>{{1024, 4096 - 1024}});
}

TEST_CASE("a shorter source sends nothing for the blocks it keeps: truncation does the rest",
          "[replication][blocks]") {
  auto target = random_bytes(8192, 6);
  std::vector<std::byte> source(target.begin(), target.begin() + 4096);
  CHECK(diff(source, target, 1024).empty());
}

TEST_CASE("applying the ranges then truncating makes random copies equal", "[replication][blocks]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::uint64_t block = 1 + rng() % 700;
    auto source = random_bytes(rng() % 5000, static_cast<unsigned>(rng()));
    auto target = source;
    target.resize(rng() % 5000);
    for (int edits = static_cast<int>(rng() % 5); edits > 0 && !target.empty(); --edits)
      target[rng() % target.size()] ^= std::byte{0x80};
    INFO("round " << round << " block " << block << " sizes " << source.size() << "/" << target.size());
    auto ranges = diff(source, target, block);
    CHECK(apply(target, source, ranges) == source);
    CHECK(total_length(ranges) <= source.size());
  }
}

TEST_CASE("hashing a file gives the same list as hashing its bytes", "[replication][blocks]") {
  auto data = random_bytes(300000, 8);
  auto file = std::filesystem::temp_directory_path() / ("haven-blocks-" + std::to_string(::getpid()));
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  auto from_file = hash_file_blocks(fd, kDefaultBlockSize, file.string());
  ::close(fd);
  std::filesystem::remove(file);
  REQUIRE(from_file.ok());
  CHECK(*from_file == hashes_of(data, kDefaultBlockSize));
  CHECK(from_file->hashes.size() == 3);
}

TEST_CASE("bad block sizes and unreadable files are refused with what is expected", "[replication][blocks]") {
  auto zero = hash_blocks({}, 0);
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.error().message, Catch::Contains("expected at least 1 byte"));
  auto mixed = ranges_to_send(BlockHashes{1024, 0, {}}, BlockHashes{4096, 0, {}});
  REQUIRE_FALSE(mixed.ok());
  CHECK_THAT(mixed.error().message, Catch::Contains("same block size"));
  auto bad_fd = hash_file_blocks(-1, 1024, "data/x on node1");
  REQUIRE_FALSE(bad_fd.ok());
  CHECK_THAT(bad_fd.error().message, Catch::Contains("data/x on node1"));
}
