// How reintegration hands its changes to the secondary in the same order as live changes.
//
// A block read for reintegration and sent after a newer live write to the same block would
// put stale data on the secondary. So reintegration reads the primary and submits what it
// read while holding the very lock that orders live changes, through the same sink: each of
// its changes then lands on both sides either before or after each live change, never across.
#pragma once

#include <functional>
#include <vector>

#include "haven/result.hpp"
#include "replication/change_message.hpp"

namespace haven::reintegration {

/// Implemented by the replicated file system (ReplicatedFs: lock FsContext::order, call
/// `produce`, submit each change it appended to FsContext::sink in order, unlock, then wait for
/// every ticket) and, in tests, by a mutex and a sink. Thread-safe: nbrei workers call run().
class OrderedSubmitter {
 public:
  using Produce = std::function<Status(std::vector<replication::Change>& out)>;
  virtual ~OrderedSubmitter() = default;

  /// Runs `produce` under the ordering lock; when it succeeds, submits what it appended (in
  /// order, still under the lock), then waits without the lock until each change is safe.
  /// An error from `produce` is returned and nothing is submitted; an error from waiting means
  /// the secondary does not have those changes.
  [[nodiscard]] virtual Status run(const Produce& produce) = 0;
};

}  // namespace haven::reintegration
