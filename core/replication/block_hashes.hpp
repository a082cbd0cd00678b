// Block hashes of a file, and the byte ranges a full reintegration must send so that the
// secondary's copy equals the primary's: both sides hash their copy in blocks (xxhash, XXH3
// 64-bit), the primary compares the lists and sends only the blocks that differ or that the
// secondary lacks, then the secondary truncates to the primary's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::replication {

/// One hash per block of `block_size` bytes; the last block may be shorter.
struct BlockHashes {
  std::uint64_t block_size = 0;
  std::uint64_t file_size = 0;
  std::vector<std::uint64_t> hashes;
  bool operator==(const BlockHashes&) const = default;
};

/// A run of bytes to copy from the primary: [offset, offset + length).
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool operator==(const ByteRange&) const = default;
};

/// The default block: large enough to keep hash lists small (8 KiB of hashes per GiB),
/// small enough that a 4 KiB change sends little.
inline constexpr std::uint64_t kDefaultBlockSize = 128 * 1024;

/// Hashes bytes held in memory. `block_size` must be at least 1 (invalid_argument otherwise).
Result<BlockHashes> hash_blocks(std::span<const std::byte> data, std::uint64_t block_size);

/// Hashes an open file from its start to its end, reading with pread (the file position is
/// not used). `what` names the file in errors ("data/db/base.dat on node1").
Result<BlockHashes> hash_file_blocks(int fd, std::uint64_t block_size, const std::string& what);

/// The ranges of `source` that `target` lacks or holds differently, adjacent blocks merged,
/// in offset order. Both lists must use one block size (invalid_argument otherwise). After
/// copying them, the target is truncated to source.file_size and then equals the source.
Result<std::vector<ByteRange>> ranges_to_send(const BlockHashes& source, const BlockHashes& target);

/// The bytes those ranges hold: what a full reintegration of this file sends.
std::uint64_t total_length(const std::vector<ByteRange>& ranges);

}  // namespace haven::replication
