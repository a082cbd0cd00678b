// The file system mounted over a <replicated dir> on the primary: the application keeps its
// path, every change it makes is done in the directory underneath and handed, in order, to a
// ChangeSink, and the call returns only once the sink says the change is safe.
//
// Owns: the O_PATH descriptor of the directory underneath (opened before the mount, kept for
// the mount's life), the FUSE session and the threads serving it.
#pragma once

#include <filesystem>
#include <memory>

#include "haven/result.hpp"
#include "reintegration/ordered_submitter.hpp"
#include "replication/change_sink.hpp"
#include "replication_fs/replication_filter.hpp"

namespace haven::replication_fs {

struct ReplicatedFsOptions {
  /// Seconds the kernel may keep attributes and names. All changes pass through us, so a
  /// cache is coherent, except that the high-level API gives each hard-link name its own
  /// kernel inode: another name's cached st_nlink/size may lag by this long.
  double attr_timeout = 1.0;
  double entry_timeout = 1.0;
  /// Off: reads use the page cache and mmap works (writes are write-through either way, as
  /// there is no writeback cache). On: every read comes to us too, and shared writable mmap
  /// fails; only for applications that need another name's writes visible at once.
  bool direct_io = false;
  /// Threads serving requests at most (they block while the secondary acknowledges).
  unsigned max_threads = 32;
};

class ReplicatedFs {
 public:
  /// Opens `dir` (absolute), then mounts the file system over it and serves it from a thread
  /// of its own until unmount(). `sink` and `filter` must outlive the returned object.
  /// refused when `dir` already carries a haven mount (say to detach it first); not_found /
  /// io_error naming the directory when it cannot be opened or mounted (not root, no
  /// /dev/fuse).
  static Result<std::unique_ptr<ReplicatedFs>> mount(const std::filesystem::path& dir,
                                                     replication::ChangeSink& sink,
                                                     const ReplicationFilter& filter,
                                                     ReplicatedFsOptions options = {});

  /// Unmounts and stops serving; the directory is a plain directory again. refused, and
  /// still mounted, while a file under it is open or a process has its cwd there, unless
  /// `lazy`: then the mount is detached at once and served until those files are closed
  /// (this call waits for that). Idempotent.
  Status unmount(bool lazy = false);

  /// Fences the file system: once this returns, every change through the mount (write,
  /// truncate, create, rename, unlink, metadata, xattr, fsync, opening for writing) fails with
  /// EROFS before anything is done underneath; an operation already changing the directory
  /// finishes first. Reads still work. For a node that leaves the primary role, so that a
  /// process its stop hooks missed cannot write what the next primary will not have. Idempotent.
  void fence();
  bool fenced() const;

  /// Detaches the mount lazily and returns at once (unmount(true) waits instead): processes
  /// that still hold files keep using the detached mount, which this object serves until they
  /// close them; its destructor waits for that. Idempotent.
  Status detach();

  /// Detaches lazily (see unmount) if still mounted, and waits until the detached mount is unused.
  ~ReplicatedFs();
  ReplicatedFs(const ReplicatedFs&) = delete;
  ReplicatedFs& operator=(const ReplicatedFs&) = delete;

  const std::filesystem::path& dir() const;
  /// The descriptor of the directory underneath (O_PATH): for reintegration, which reads the
  /// primary's files without passing through the mount.
  int lower_fd() const;

  /// Reintegration's way in (core/reintegration's OrderedSubmitter): run() takes this file
  /// system's ordering lock (the one every live change holds from its local change to its
  /// submit), runs `produce`, submits what it appended to the sink in order, releases the lock
  /// and waits for each change. So a block reintegration reads reaches the secondary either
  /// before or after each live change to it, never across. Valid until unmount.
  reintegration::OrderedSubmitter& ordered_submitter();

  struct Impl;  ///< internal: the FUSE session and its state

 private:
  explicit ReplicatedFs(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// True when the top mount at `dir` is a haven replicated file system (alive or dead: the
/// mount table is read, the directory is not touched, so a dead mount does not hang this).
bool is_haven_mount(const std::filesystem::path& dir);

/// What havend does for an agent that died: detaches the haven mounts at `dir` (replication
/// file system, read-only view; lazily, as `fusermount3 -u -z`) so that the directory is a
/// plain directory again. OK when `dir` carries none; refused (nothing done) when its top
/// mount is something else.
Status detach_haven_mount(const std::filesystem::path& dir);

}  // namespace haven::replication_fs
