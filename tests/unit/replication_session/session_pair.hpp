// Two replication sessions of one module in one process: a primary over directory A and a
// secondary over directory B (different paths), linked over loopback, with the callbacks
// they report recorded for the test to wait on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "replication_session/replication_session.hpp"

namespace haven::replication_session::testing {

/// Empty when FUSE tests can run here; otherwise why not.
std::string why_fuse_unavailable();

/// What the callbacks told, for waiting on.
struct Events {
  std::mutex mutex;
  std::condition_variable changed;
  int in_sync = 0;
  int secondary_in_sync = 0;
  std::vector<std::string> lost;
  std::vector<std::string> ended;
  std::vector<std::string> failed;
  /// Waits (bounded, generously: this is no timing assertion) until `done()` holds.
  template <typename Done>
  bool wait_for(Done done, std::chrono::seconds limit = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, done);
  }
  ReplicationCallbacks callbacks();
};

class SessionPair {
 public:
  /// `reintegrate`: the primary's; empty for the fresh-copy stand-in.
  explicit SessionPair(config::AsyncMode async = config::AsyncMode::second, std::size_t dirs = 1, Reintegrate reintegrate = {});
  ~SessionPair();

  std::filesystem::path a(std::size_t i = 0) const { return root_ / ("a" + std::to_string(i)); }
  std::filesystem::path b(std::size_t i = 0) const { return root_ / ("b" + std::to_string(i)); }
  std::filesystem::path primary_var() const { return root_ / "var-primary"; }
  /// Differences between the primary's and the secondary's directory i, one per line; empty
  /// when equal. Compares the directories underneath the mounts (descriptors opened before),
  /// as the mount's attribute cache may show another hard-link name's size late.
  std::string differences(std::size_t i = 0) const;
  /// The secondary's directory i underneath its view (O_PATH, opened before any mount).
  int lower_b(std::size_t i = 0) const { return lower_b_.at(i); }

  /// From now on the primary is made with ReplicationSession::create(options, callbacks): the
  /// real reintegration, asking the secondary for its manifest over the link.
  void use_networked_reintegration() { networked_ = true; }
  /// <rfs reiallowedbw> (KB/s) of the sessions made from now on: slows a reintegration down.
  std::optional<std::int64_t> reiallowedbw;
  /// <rfs reipacketsize>: also the cap's burst.
  std::optional<std::int64_t> reipacketsize;
  /// Sessions are made on demand: the secondary again after it was destroyed (a restart).
  ReplicationSession& primary();
  ReplicationSession& start_secondary();
  /// The same, keeping aside what the secondary's session recorded alone (split brain).
  ReplicationSession& start_secondary(const BecomeSecondaryOptions& become);
  std::filesystem::path secondary_var() const { return root_ / "var-secondary"; }
  void kill_secondary() { secondary_.reset(); }
  /// Ends the primary's session (its mounts detached); primary() then makes a new one.
  void end_primary() {
    join_deciders();
    primary_.reset();
  }
  ReplicationSession* secondary() { return secondary_.get(); }

  Events primary_events;
  Events secondary_events;
  /// Acts as the agent that decides, once the secondary is lost, to go on alone (ALONE): the
  /// writes it lacks are then acknowledged (ReplicationSession::allow_alone). Off: they wait
  /// for the test's own decision.
  bool alone_on_loss = true;

 private:
  ReplicationSessionOptions options(bool primary) const;
  config::AsyncMode async_;
  std::size_t dirs_;
  Reintegrate reintegrate_;
  bool networked_ = false;
  std::filesystem::path root_;
  ClusterKey key_;
  std::uint16_t base_port_ = 0;
  std::vector<int> lower_a_;
  std::vector<int> lower_b_;
  std::unique_ptr<ReplicationSession> primary_;
  std::unique_ptr<ReplicationSession> secondary_;
  // The agent hands the session's callbacks to its loop; these threads stand in for it.
  void join_deciders();
  std::mutex deciders_mutex_;
  std::vector<std::thread> deciders_;
};

/// Waits (a few seconds at most) until the kernel released every file closed through the
/// mount at `dir`: no .fuse_hidden* name is left below it.
bool settle(const std::filesystem::path& dir);

/// Starts the secondary, then the primary, connects them and waits (REQUIRE) for the first in sync.
void start_in_sync(SessionPair& pair);

/// Writes `data` at `offset` of `file` (created if missing), REQUIRE-ing that all of it went.
void write_at(const std::filesystem::path& file, std::uint64_t offset, const std::string& data);

/// Differences between two trees, one per line; empty when equal.
std::string tree_differences(const std::filesystem::path& a, const std::filesystem::path& b);

/// Random operations (create/write, truncate, unlink, rename, mkdir, rmdir, link, symlink,
/// chmod, xattr) below `dir` from `seed`.
void random_operations(const std::filesystem::path& dir, std::uint32_t seed, int count);

}  // namespace haven::replication_session::testing

#define REQUIRE_FUSE_OR_SKIP()                                                               \
  do {                                                                                       \
    const std::string why = ::haven::replication_session::testing::why_fuse_unavailable();  \
    if (!why.empty()) {                                                                      \
      WARN("skipped: " << why);                                                              \
      return;                                                                                \
    }                                                                                        \
  } while (false)
