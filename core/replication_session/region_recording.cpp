#include "replication_session/region_recording.hpp"

namespace haven::replication_session {

using replication::ChangeKind;

Status record_change(replication::ChangedRegionsLog& log, const replication::Change& change) {
  switch (change.kind) {
    case ChangeKind::fsync:
      return ok_status();
    case ChangeKind::write:
    case ChangeKind::fallocate:
      // A zero-length write still moves the mtime: keep the path, sent whole.
      if (change.length == 0) return log.record_whole(change.path);
      return log.record_range(change.path, change.offset, change.length);
    case ChangeKind::rename:
    case ChangeKind::link: {
      // Both names change: the old one disappears (or, exchanged, takes the other node) and
      // the new one appears.
      auto first = log.record_whole(change.path);
      if (!first.ok()) return first;
      return log.record_whole(change.path2);
    }
    default:
      // Truncate too: a shrink leaves no range to send, only a size.
      return log.record_whole(change.path);
  }
}

Status record_changes(replication::ChangedRegionsLog& log, std::span<const replication::Change> changes) {
  for (const auto& change : changes) {
    auto status = record_change(log, change);
    if (!status.ok()) return status;
  }
  return ok_status();
}

}  // namespace haven::replication_session
