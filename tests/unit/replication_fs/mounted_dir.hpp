// A temporary directory with the replicated file system mounted over it, for tests; and the
// check that the machine can mount FUSE at all (root and /dev/fuse).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "recording_sink.hpp"
#include "replication_fs/replicated_fs.hpp"

namespace haven::replication_fs::testing {

/// Empty when FUSE tests can run here; otherwise why not (for the WARN of a skipped test).
std::string why_fuse_unavailable();

class MountedDir {
 public:
  explicit MountedDir(ReplicationFilter filter = {}, ReplicatedFsOptions options = {});
  ~MountedDir();
  MountedDir(const MountedDir&) = delete;
  MountedDir& operator=(const MountedDir&) = delete;

  /// The mount (what applications use).
  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }
  RecordingSink& sink() { return sink_; }
  ReplicatedFs& fs() { return *fs_; }
  /// Reads a file underneath the mount, through the kept descriptor.
  std::string lower_content(const std::string& rel) const;
  /// Writes a file underneath the mount, as it was before the test: no change is sent, and
  /// the kernel holds no handle of it (a file closed through the mount is released
  /// asynchronously, and an unlink before that release renames it to .fuse_hidden*).
  void put_below(const std::string& rel, const std::string& content) const;
  /// Waits (a few seconds at most) until the kernel has released every file closed through
  /// the mount: no .fuse_hidden* name is left. False if some still are.
  bool settle() const;
  Status unmount() { return fs_->unmount(); }

 private:
  std::filesystem::path dir_;
  RecordingSink sink_;
  ReplicationFilter filter_;
  std::unique_ptr<ReplicatedFs> fs_;
};

}  // namespace haven::replication_fs::testing

/// At the top of a test that mounts: skips it, loudly, where FUSE cannot run.
#define REQUIRE_FUSE_OR_SKIP()                                                   \
  do {                                                                           \
    const std::string why = ::haven::replication_fs::testing::why_fuse_unavailable(); \
    if (!why.empty()) {                                                          \
      WARN("skipped: " << why);                                                  \
      return;                                                                    \
    }                                                                            \
  } while (false)
