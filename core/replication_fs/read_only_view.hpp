// The secondary's side of a <replicated dir mode="read_only">: applications there see the
// directory read-only, while the applier writes the primary's changes through a descriptor
// of the directory taken before the view was put over it. A read-only bind mount of the
// directory onto itself: read-only is a property of the mount, so writes through the
// earlier descriptor (on the mount underneath) still succeed. No FUSE, nothing to serve.
#pragma once

#include <filesystem>
#include <memory>

#include "haven/result.hpp"

namespace haven::replication_fs {

class ReadOnlyView {
 public:
  /// Opens `dir` (absolute), then bind-mounts it read-only onto itself. refused when `dir`
  /// carries a haven mount (replication file system or a view) already; io_error naming the
  /// directory otherwise (not root).
  static Result<std::unique_ptr<ReadOnlyView>> mount(const std::filesystem::path& dir);

  /// Removes the view (lazily: applications reading there keep their files). Idempotent.
  Status unmount();
  ~ReadOnlyView();
  ReadOnlyView(const ReadOnlyView&) = delete;
  ReadOnlyView& operator=(const ReadOnlyView&) = delete;

  /// O_PATH descriptor of the directory underneath the view: what the applier writes through.
  int lower_fd() const { return lower_fd_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  ReadOnlyView(std::filesystem::path dir, int lower_fd) : dir_(std::move(dir)), lower_fd_(lower_fd) {}
  std::filesystem::path dir_;
  int lower_fd_ = -1;
  bool mounted_ = true;
};

/// True when the top mount at `dir` is a read-only bind of that same directory (a view left
/// by an agent that died).
bool is_read_only_view(const std::filesystem::path& dir);

}  // namespace haven::replication_fs
