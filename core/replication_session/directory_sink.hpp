// Where the replicated file system of one directory hands its changes on the primary: to the
// secondary's link while one is connected, or, while ALONE or once the secondary is lost, into
// the durable record of changed regions (synced before the change is acknowledged). The
// switch happens under the sink's lock, so every change is either sent or recorded, never
// neither.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "replication/change_sink.hpp"
#include "replication/changed_regions.hpp"
#include "replication_link/replication_sender.hpp"

namespace haven::replication_session {

/// What `haven state` shows of one directory's sink.
struct SinkCounters {
  bool connected = false;       ///< a sender is attached and not lost
  bool lost = false;            ///< the last sender was declared lost
  std::string lost_reason;
  std::uint64_t changes_sent = 0;  ///< handed to a sender (acknowledged or recorded since)
  std::uint64_t bytes_sent = 0;    ///< data bytes of those changes
  std::uint64_t changes_recorded = 0;
  bool record_intact = true;
  std::size_t recorded_paths = 0;
};

class DirectorySink final : public replication::ChangeSink {
 public:
  /// Produces changes read from the primary, under the sink's order lock (reintegration).
  using Produce = std::function<Status(std::vector<replication::Change>& out)>;

  /// Starts ALONE: every change is recorded in `record`, which the sink owns.
  explicit DirectorySink(replication::ChangedRegionsLog record);
  ~DirectorySink() override;

  Ticket submit(replication::Change change) override;
  Status wait(Ticket ticket) override;

  /// From the next submit on, changes go to `sender`. Its LostHandler must be record_lost().
  void forward_to(std::shared_ptr<replication::ReplicationSender> sender);
  /// Releases the sender (after the file system is unmounted): changes are recorded again.
  void record_only();

  // --- The decision a lost secondary calls for -------------------------------------------
  // A change the secondary lacks (recorded after a forwarding sender was lost) is acknowledged
  // only once this node has decided to go on without that secondary; until then its wait()
  // blocks. The sink starts decided (a new primary's secondary, if any, is not in sync with it
  // until reintegrated); forward_to() makes it undecided again.

  /// This node goes on alone (ALONE, or the peer is known to be behind): the changes the
  /// secondaries lost by now lack are acknowledged once durable (not a connected one's: if it
  /// is lost later, that needs its own decision). Wakes every waiting change.
  void allow_alone();
  /// This node leaves (or is about to leave) the primary role without going on alone: every
  /// change the secondaries lost by now lack, and that is not decided, fails (the application
  /// gets EIO); a connected secondary lost later needs refusing again (fence() refuses all).
  /// A later allow_alone() decides what comes after it.
  void refuse_unforwarded(const std::string& why);
  /// The node left the primary role: refuse_unforwarded(), every later submit fails, and this
  /// waits (at most the link's timeout) until each change already handed to a live secondary is
  /// acknowledged or the secondary is lost, so that nothing is acknowledged after it returns.
  void fence(const std::string& why);
  /// Changes waiting now for the decision (for `haven state`).
  std::size_t held() const;
  /// The sender's LostHandler: records the changes the secondary will not get, durably.
  Status record_lost(std::span<const replication::Change> changes);

  /// Runs `produce` under the sink's lock, submits what it appended in order, then waits for
  /// each change without the lock. This lock orders these changes against live ones only from
  /// their submit() on: the session hands reintegration ReplicatedFs::ordered_submitter()
  /// instead (held from each local change to its submit); this one serves tests without a mount.
  Status submit_ordered(const Produce& produce);

  /// The record as it is now: the regions a reintegration must send, and whether it can be
  /// trusted (intact).
  replication::ChangedRegions recorded_regions(bool& intact) const;
  /// Empties the record after a reintegration succeeded, unless the secondary was lost
  /// meanwhile (then those later changes must stay recorded). True when emptied.
  Result<bool> reset_record_if_connected();

  /// Sends the in-sync marker after every change submitted so far and waits until the
  /// secondary acknowledged it. io_error when no secondary is connected or it was lost.
  Status send_in_sync_marker();
  /// Asks the connected secondary (ReplicationSender::request); io_error when none is.
  Result<std::vector<std::byte>> ask_secondary(std::vector<std::byte> request, const std::string& what);

  /// While a reintegration runs: from now on note both names of every rename and link
  /// submitted (a live rename of a path reintegration has not reached moves the secondary's
  /// stale copy to a name no step revisits).
  void collect_renames();
  /// The names noted since, and clears them; when there are none, stops noting (the
  /// reintegration is over: a later rename moves an up-to-date copy).
  std::vector<std::string> take_renamed();

  SinkCounters counters() const;

 private:
  struct Route {
    std::shared_ptr<replication::ReplicationSender> sender;  ///< null: recorded
    bool needs_decision = false;  ///< recorded while a lost secondary's fate was undecided
    std::uint64_t epoch = 0;      ///< forward_epoch_ at submit: the secondary whose loss it waits on
    Ticket inner = 0;        ///< the sender's ticket
    std::uint64_t record_serial = 0;  ///< recorded: wait until the record is synced past it
    std::optional<Error> error;       ///< recording failed: the change is not safe
    /// Recorded after a secondary was lost: acknowledged no sooner than its lease ran out.
    std::chrono::steady_clock::time_point not_before{};
  };

  Ticket submit_locked(replication::Change change);
  /// Blocks until this node decided about the secondary of `epoch` (or a later one was
  /// brought in sync, which holds the change too); the error when it refused instead.
  Status await_decision(std::uint64_t epoch);
  /// Drops a sender that was declared lost (with mutex_ held).
  void forget_lost_sender();
  Status sync_record_through(std::uint64_t serial);

  mutable std::mutex mutex_;  // order of submits, routes, sender, counters
  std::shared_ptr<replication::ReplicationSender> sender_;
  std::unordered_map<Ticket, Route> routes_;
  Ticket next_ticket_ = 1;
  SinkCounters counters_;
  bool collecting_renames_ = false;
  std::set<std::string> renamed_;
  /// Until when the last lost secondary may still hold a live stream (its sender's
  /// acknowledge_recorded_from()): changes recorded meanwhile wait for it.
  std::chrono::steady_clock::time_point lease_end_{};

  mutable std::mutex decision_mutex_;  // taken alone
  std::condition_variable decided_;
  // Each secondary forwarded to is an epoch; a change it lacks waits until decided_epoch_ reaches
  // its own: an allow_alone() after that secondary's loss, or a later secondary in sync. A
  // decision is never undone by a reconnection, so a change waiting across one is not stranded.
  std::uint64_t forward_epoch_ = 0;
  std::uint64_t decided_epoch_ = 0;
  std::uint64_t refused_through_ = 0;  // the node left (or is leaving) the role: these epochs' undecided changes fail
  bool fenced_ = false;
  std::string refusal_;
  std::size_t held_ = 0;

  mutable std::mutex record_mutex_;  // taken after mutex_ when both are
  replication::ChangedRegionsLog record_;
  std::uint64_t appended_ = 0;  // changes appended to the record
  std::uint64_t synced_ = 0;    // changes made durable
  std::uint64_t recorded_ = 0;  // for counters: recorded here or handed back by a lost sender
};

}  // namespace haven::replication_session
