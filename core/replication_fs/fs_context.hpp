// What every FUSE callback of a replicated directory shares, and the one way a changing
// operation runs: under the ordering lock, do it locally, submit what changed; then, without
// the lock, wait until the secondary has it. Internal to replication_fs.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "replication/change_sink.hpp"
#include "replication_fs/replication_filter.hpp"

namespace haven::replication_fs::detail {

struct FsContext {
  int lower_fd = -1;  ///< O_PATH descriptor of the directory underneath the mount
  replication::ChangeSink* sink = nullptr;
  const ReplicationFilter* filter = nullptr;
  std::mutex order;  ///< held from a local change until its submit(): one order for both sides
  /// The node left the primary role: every change is refused (EROFS) before it is made here.
  /// Set under `order`, so that no local change is made once fence() returned.
  std::atomic<bool> fenced{false};
};

/// The context of the file system serving the calling FUSE thread.
FsContext& context();

/// "/a/b" (as FUSE hands paths) -> "a/b"; "/" -> "" (the replicated directory itself).
std::string relative(const char* fuse_path);
/// The name to pass to an *at call on lower_fd: "." for the directory itself.
inline const char* at(const std::string& rel) { return rel.empty() ? "." : rel.c_str(); }

/// True when `rel` still names the file open as `fd`. libfuse's high-level API can hand an
/// operation on an open file a name that was unlinked meanwhile (a release removing a
/// .fuse_hidden* name races with another open of it); such a change reaches no name here,
/// and the secondary, which has no such name either, must not get it.
/// `open_file` receives the open file's attributes (after the change: its new mtime).
bool still_named(int lower_fd, const std::string& rel, int fd, struct stat* open_file);

/// Nanoseconds since the epoch, as Change carries times.
std::int64_t nanoseconds(const timespec& t);

/// Sets change.mtime_ns to `rel`'s mtime now (the secondary sets the same after applying),
/// and its atime_ns too when `with_atime` (a new node: both times are the primary's).
void stamp_times(int lower_fd, replication::Change& change, bool with_atime = false);

/// A Change of `kind` on `path`.
replication::Change make_change(replication::ChangeKind kind, std::string path);

/// The changes one operation submits, held while the ordering lock is.
class ChangeBatch {
 public:
  explicit ChangeBatch(FsContext& fs) : fs_(fs) {}
  /// Submits `change` unless the filter keeps change.path local. `is_directory` says what the
  /// path names; unknown (nullopt) is looked up only when the filter needs it. Changes to the
  /// replicated directory itself ("") are not sent: the message has no name for it.
  void submit(replication::Change change, std::optional<bool> is_directory);
  /// Waits for every submitted change; false when one is not safe (the caller answers EIO).
  bool wait_all();
  FsContext& fs() { return fs_; }

 private:
  FsContext& fs_;
  std::vector<replication::ChangeSink::Ticket> tickets_;
};

/// Runs `op(batch)` under the ordering lock, then waits for what it submitted. The result is
/// op's (0 or a count on success, -errno on failure), or -EIO when a submitted change is not
/// safe. `op` must submit only what it did locally.
template <typename Op>
auto run_change(Op&& op) -> decltype(op(std::declval<ChangeBatch&>())) {
  FsContext& fs = context();
  ChangeBatch batch(fs);
  decltype(op(batch)) result;
  {
    std::lock_guard lock(fs.order);
    if (fs.fenced.load()) return -EROFS;
    result = op(batch);
  }
  if (!batch.wait_all()) return -EIO;
  return result;
}

}  // namespace haven::replication_fs::detail
