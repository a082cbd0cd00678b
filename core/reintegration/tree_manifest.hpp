// A description of a replicated directory's tree: every entry with what replication carries
// (type, mode, owner, size, mtime, link target, device, xattrs, hard-link identity) and, on
// demand, the block hashes of each regular file. The secondary builds one and sends it to the
// primary for a full reintegration; rfsdiff and rfsverify compare two of them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "haven/result.hpp"
#include "replication/block_hashes.hpp"

namespace haven::reintegration {

enum class EntryType : std::uint8_t { regular = 1, directory, symlink, fifo, socket, char_device, block_device };

/// "file", "folder", "symbolic link", ...
const char* to_string(EntryType type) noexcept;

using Xattrs = std::vector<std::pair<std::string, std::string>>;  ///< (name, value), sorted by name

struct ManifestEntry {
  std::string path;  ///< relative to the replicated directory, any bytes but NUL
  EntryType type = EntryType::regular;
  std::uint32_t mode = 0;  ///< permission bits (07777)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;  ///< regular files
  std::int64_t mtime_ns = 0;
  std::uint64_t rdev = 0;      ///< devices
  std::string symlink_target;  ///< symbolic links
  /// Entries with the same non-zero value are hard links to one node, within this manifest.
  /// 0: the node has one name here. The numbers mean nothing across manifests.
  std::uint64_t link_group = 0;
  Xattrs xattrs;
  std::optional<replication::BlockHashes> hashes;  ///< regular files, when asked for
  bool operator==(const ManifestEntry&) const = default;
};

/// Entries sorted by path (byte order), so a folder comes before what it holds.
struct TreeManifest {
  std::uint64_t block_size = replication::kDefaultBlockSize;
  std::vector<ManifestEntry> entries;
  bool operator==(const TreeManifest&) const = default;
};

/// True when the path and what is below it must be replicated (the <notreplicated> rules;
/// a ReplicationFilter's replicates()). A folder refused is not entered.
using PathFilter = std::function<bool(std::string_view relative_path, bool is_directory)>;

struct ManifestOptions {
  bool with_hashes = false;
  std::uint64_t block_size = replication::kDefaultBlockSize;
  PathFilter filter;  ///< empty: everything is replicated
  /// Only these paths and what is below them (absent ones are skipped; an empty list gives an
  /// empty manifest); nullopt: the whole tree. Fast reintegration asks for the paths the
  /// record holds whole.
  std::optional<std::vector<std::string>> roots;
};

/// Walks the tree under `dir_fd` (borrowed; never following a symbolic link, never leaving
/// it). io_error naming `what` (e.g. "/srv/data on node1") and the path when something cannot
/// be read; a name that vanishes during the walk is skipped (the application may be running).
Result<TreeManifest> build_manifest(int dir_fd, const ManifestOptions& options, const std::string& what);

/// The entry for `path`, or nullptr (binary search: the entries are sorted).
const ManifestEntry* find_entry(const TreeManifest& manifest, std::string_view path);

/// The names sharing `entry`'s node in `manifest`, sorted (just its own path when it has one).
std::vector<std::string> link_names(const TreeManifest& manifest, const ManifestEntry& entry);

}  // namespace haven::reintegration
