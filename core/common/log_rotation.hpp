// Keeping a log file bounded: when it would grow past its size, it becomes FILE.1 (FILE.1
// becomes FILE.2, ...) and a fixed number of old files is kept, the oldest dropped.
//
// Two ways to move the live file aside, because its writers differ:
// - rename: for module.log, verbose.log and havend.log, whose writers open, append, close
//   (`haven printi`, havend) or reopen when the file they hold was renamed (RotatingLogSink).
//   Nothing is lost; a line appended while the rename happens lands in FILE.1.
// - copy, then truncate in place: for userlog.ulog, which hooks' background programs keep
//   open with O_APPEND for as long as they live. Renaming it would leave them writing into
//   FILE.1, then into a deleted file that grows unseen; truncating the same file makes their
//   next O_APPEND write land at its new start. Lines written between the last copy and the
//   truncation (microseconds) may be lost: the price of a bound on a file others hold open.
//
// Rotations of one folder are serialised with flock(2) on the folder itself, so two processes
// (an agent and its crash clean-up) never rotate the same file twice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "haven/result.hpp"

namespace haven {

/// The bound of one log: the live file's size and how many rotated files (FILE.1 .. FILE.keep)
/// are kept. The total on disk stays below about (keep + 1) * max_bytes (one line more each).
struct LogRotationLimit {
  std::uint64_t max_bytes = 0;  ///< 0: never rotate
  int keep = 0;                 ///< rotated files kept; 0 behaves as 1
};

/// How the live file is moved aside (see the header comment).
enum class RotationMethod { rename, copy_truncate };

/// Pure: whether a file of `size` bytes must rotate before `incoming` more bytes are appended.
/// Never for an empty file (a single line longer than the bound is written, not looped on).
bool rotation_due(std::uint64_t size, std::uint64_t incoming, const LogRotationLimit& limit);

/// FILE.index ("module.log.2").
std::filesystem::path rotated_file_name(const std::filesystem::path& file, int index);

/// The rotated files of `file` that exist (FILE.1, FILE.2, ...), newest first. Any numeric
/// suffix counts, so files left by a larger `keep` are found too.
std::vector<std::filesystem::path> existing_rotated_files(const std::filesystem::path& file);

/// Rotates `file` now, whatever its size: FILE.keep is removed, FILE.i becomes FILE.i+1, the
/// live file becomes FILE.1 (renamed or copied then truncated). The caller holds the folder's
/// lock (FolderLock) or knows it is alone. io_error naming the file that could not be moved.
Status rotate_log_file(const std::filesystem::path& file, const LogRotationLimit& limit, RotationMethod method);

/// Rotates `file` when appending `incoming` bytes would take it past its bound: checks its
/// size, and only then takes the folder's lock, checks again (another process may have
/// rotated meanwhile) and rotates. True when it rotated; false when not needed or the file
/// does not exist.
Result<bool> rotate_log_file_if_due(const std::filesystem::path& file, const LogRotationLimit& limit,
                                    std::uint64_t incoming, RotationMethod method);

/// An exclusive flock(2) on a folder, held while the object lives: serialises rotations of the
/// logs in that folder between processes.
class FolderLock {
 public:
  /// Blocks until the lock is held. io_error naming the folder when it cannot be opened.
  static Result<FolderLock> acquire(const std::filesystem::path& dir);
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&&) = delete;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock();

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace haven
