// The cluster key: the secret every node of a cluster shares, which authenticates every
// message between nodes. A node without the right key is not part of the cluster.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include "haven/result.hpp"

namespace haven {

/// 32 random bytes. Copyable value; compare keys by fingerprint, never print the bytes.
struct ClusterKey {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};
};

/// The first 8 bytes of SHA-256(key): shown to administrators (hex) so they can check that
/// two nodes hold the same key, and carried in every heartbeat as the cluster id.
using KeyFingerprint = std::array<std::uint8_t, 8>;

/// A new key from OpenSSL's RAND_bytes; io_error when the generator has no entropy.
[[nodiscard]] Result<ClusterKey> generate_cluster_key();

/// Writes the key as one line of hex after a comment line, mode 0600, atomically (a crash
/// leaves the old file or the new one). Creates missing folders.
[[nodiscard]] Status save_cluster_key(const std::filesystem::path& path, const ClusterKey& key);

/// Reads a key written by save_cluster_key. Refuses (with the file's name and what to do) a
/// missing file, a file readable or writable by group or others, no key line, more than one,
/// a wrong length or a character that is not hex. Lines starting with '#' are comments.
[[nodiscard]] Result<ClusterKey> load_cluster_key(const std::filesystem::path& path);

/// SHA-256(key) truncated to 8 bytes.
KeyFingerprint fingerprint(const ClusterKey& key);

/// The fingerprint as 16 lower-case hex digits, for logs and `haven cluster genkey`.
std::string fingerprint_hex(const ClusterKey& key);

}  // namespace haven
