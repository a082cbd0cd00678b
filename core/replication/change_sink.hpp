// Where the FUSE layer hands each change of a replicated directory: the boundary between the
// file system (which orders changes) and the link to the secondary (which carries them).
#pragma once

#include <cstdint>

#include "haven/result.hpp"
#include "replication/change_message.hpp"

namespace haven::replication {

/// Takes changes in order and tells when each is safe. Thread-safe.
///
/// The file system calls submit() while it holds the lock that orders the local operation,
/// so the secondary applies changes in the order the primary made them; submit() therefore
/// never blocks on the network. It then calls wait() without that lock, so many changes are
/// in flight at once, and returns to the application only when wait() says the change is safe.
class ChangeSink {
 public:
  using Ticket = std::uint64_t;

  virtual ~ChangeSink() = default;

  /// Queues the change, gives it the next sequence number (overwriting change.sequence) and
  /// returns the ticket to wait on. Does not block on the network.
  virtual Ticket submit(Change change) = 0;

  /// Blocks until the change is safe: acknowledged by the secondary as the async mode requires
  /// (received for "second", written for "none"), or, once the secondary is declared lost,
  /// recorded durably for reintegration. An error means neither happened: the file system
  /// answers the application with EIO rather than pretend the write is protected.
  virtual Status wait(Ticket ticket) = 0;
};

}  // namespace haven::replication
