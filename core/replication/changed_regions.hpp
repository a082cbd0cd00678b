// The record of what changed while the primary runs without its secondary (ALONE), so that
// the secondary's return sends only those regions (fast reintegration).
//
// Every change is appended to a log file and made durable (sync()) before the write it
// describes is carried out and acknowledged. A crash can therefore only tear the last
// record, whose write was never acknowledged; load() stops there. A log whose header is
// wrong, or with a bad record before its end, is not intact: the caller then falls back to
// a full reintegration (block hashes), never to guessing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "replication/block_hashes.hpp"

namespace haven::replication {

/// What changed in one file: byte ranges (sorted, merged), or the whole file (created,
/// removed, renamed, attributes) when `whole` is set.
struct FileChanges {
  bool whole = false;
  std::vector<ByteRange> ranges;
  bool operator==(const FileChanges&) const = default;
};

/// Paths relative to the replicated directory, with what changed in each.
using ChangedRegions = std::map<std::string, FileChanges>;

/// Adds [offset, offset+length) to a file's changes, merging touching ranges.
void add_range(FileChanges& changes, ByteRange range);

class ChangedRegionsLog {
 public:
  /// Opens (creating it with its header when absent) the log at `file`, and reads what it
  /// records. io_error naming the file when the system refuses; a damaged log opens as not
  /// intact (see intact()), with what could be read before the damage.
  static Result<ChangedRegionsLog> open(const std::filesystem::path& file);

  ChangedRegionsLog(ChangedRegionsLog&&) noexcept;
  ChangedRegionsLog& operator=(ChangedRegionsLog&&) noexcept;
  ~ChangedRegionsLog();

  /// Records that `path` changed in [offset, offset+length) (appended, not yet durable).
  Status record_range(const std::string& path, std::uint64_t offset, std::uint64_t length);
  /// Records that `path` changed as a whole.
  Status record_whole(const std::string& path);
  /// Makes every record so far durable (fdatasync); call before acknowledging the writes.
  Status sync();

  /// False when the log was damaged before its last record: fast reintegration cannot be trusted.
  bool intact() const { return intact_; }
  /// Why it is not intact, for the log.
  const std::string& damage() const { return damage_; }
  const ChangedRegions& regions() const { return regions_; }

  /// Empties the log (after a reintegration completed): header only, durable.
  Status reset();

 private:
  ChangedRegionsLog(std::filesystem::path file, int fd) : file_(std::move(file)), fd_(fd) {}
  Status append(std::uint8_t kind, const std::string& path, std::uint64_t offset, std::uint64_t length);
  Status load();

  std::filesystem::path file_;
  int fd_ = -1;
  bool intact_ = true;
  std::string damage_;
  ChangedRegions regions_;
};

}  // namespace haven::replication
