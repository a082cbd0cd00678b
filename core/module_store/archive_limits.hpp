// Bounds on what a module archive may hold, so that a hostile or broken archive cannot fill
// the disk or the inode table of a node.
#pragma once

#include <cstddef>
#include <cstdint>

namespace haven {

/// Limits applied while reading a module archive. Sizes count the bytes actually
/// decompressed, never the sizes the archive's headers claim.
struct ArchiveLimits {
  /// Entries of any kind (files, folders, links).
  std::size_t max_entries = 10000;
  /// Bytes of one file once decompressed.
  std::uint64_t max_entry_bytes = 256ull << 20;
  /// Bytes of all files together once decompressed.
  std::uint64_t max_total_bytes = 512ull << 20;
};

}  // namespace haven
