#include "replication/block_hashes.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace haven::replication {
namespace {

Status check_block_size(std::uint64_t block_size) {
  if (block_size == 0) return fail(Errc::invalid_argument, "block size 0: expected at least 1 byte");
  return ok_status();
}

}  // namespace

Result<BlockHashes> hash_blocks(std::span<const std::byte> data, std::uint64_t block_size) {
  if (auto st = check_block_size(block_size); !st.ok()) return std::move(st).error();
  BlockHashes out{block_size, data.size(), {}};
  for (std::uint64_t at = 0; at < data.size(); at += block_size) {
    const auto length = std::min<std::uint64_t>(block_size, data.size() - at);
    out.hashes.push_back(XXH3_64bits(data.data() + at, length));
  }
  return out;
}

Result<BlockHashes> hash_file_blocks(int fd, std::uint64_t block_size, const std::string& what) {
  if (auto st = check_block_size(block_size); !st.ok()) return std::move(st).error();
  BlockHashes out{block_size, 0, {}};
  auto buffer = std::make_unique<std::byte[]>(block_size);
  for (;;) {
    // Fill a whole block (pread may return less) so that block boundaries match the peer's.
    std::uint64_t filled = 0;
    while (filled < block_size) {
      const ssize_t n = ::pread(fd, buffer.get() + filled, block_size - filled, static_cast<off_t>(out.file_size + filled));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(Errc::io_error, "cannot read " + what + " at byte " + std::to_string(out.file_size + filled) +
                                        " to hash it: " + std::strerror(errno));
      }
      if (n == 0) break;
      filled += static_cast<std::uint64_t>(n);
    }
    if (filled == 0) break;
    out.hashes.push_back(XXH3_64bits(buffer.get(), filled));
    out.file_size += filled;
    if (filled < block_size) break;
  }
  return out;
}

Result<std::vector<ByteRange>> ranges_to_send(const BlockHashes& source, const BlockHashes& target) {
  if (auto st = check_block_size(source.block_size); !st.ok()) return std::move(st).error();
  if (source.block_size != target.block_size)
    return fail(Errc::invalid_argument, "block sizes differ: source " + std::to_string(source.block_size) +
                                            " bytes, target " + std::to_string(target.block_size) +
                                            " bytes; both sides must hash with the same block size");
  std::vector<ByteRange> out;
  for (std::size_t i = 0; i < source.hashes.size(); ++i) {
    const std::uint64_t offset = i * source.block_size;
    const std::uint64_t length = std::min(source.block_size, source.file_size - offset);
    // A block is the same only with the same hash and the same length (a target's short
    // last block may hash like nothing it should be compared with).
    const bool target_has = i < target.hashes.size() && target.hashes[i] == source.hashes[i] &&
                            std::min(target.block_size, target.file_size - offset) == length;
    if (target_has) continue;
    if (!out.empty() && out.back().offset + out.back().length == offset)
      out.back().length += length;
    else
      out.push_back({offset, length});
  }
  return out;
}

std::uint64_t total_length(const std::vector<ByteRange>& ranges) {
  std::uint64_t sum = 0;
  for (const auto& r : ranges) sum += r.length;
  return sum;
}

}  // namespace haven::replication
