// One module's data path on one node. As primary: the replicated file system over every
// <replicated dir>, each with a sink that forwards to the secondary while one is connected and
// records changed regions durably otherwise. As secondary: a read-only view over every
// directory and a receiver applying the primary's changes beneath it. The agent drives it from
// the module's state (see docs/replication.md, "Wiring the session into the agent").
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/user_config.hpp"
#include "haven/result.hpp"
#include "heartbeat/cluster_key.hpp"
#include "replication_fs/replicated_fs.hpp"
#include "replication_session/reintegration_seam.hpp"

namespace spdlog {
class logger;
}

namespace haven::replication_session {

class DirectorySink;

/// The seed product gives each module 4 replication ports; one replicated directory uses one.
inline constexpr std::size_t kMaxReplicatedDirs = 4;

struct ReplicationSessionOptions {
  config::RfsConfig rfs;       ///< the module's <rfs>: async, replicated dirs, notreplicated...
  ClusterKey key;              ///< the cluster key: each link's TLS PSK derives from it
  std::string module;
  std::string local_address;   ///< this node's address on the flow lan: the secondary listens here
  std::string peer_address;    ///< the peer's address on the flow lan: the primary connects there
  /// Replication TCP base port, 5600 + (module id - 1) * 4; directory i uses base_port + i.
  /// 0 (tests only): each receiver picks a free port, see receiver_ports().
  std::uint16_t base_port = 0;
  /// Peer's ports when they differ from base_port + i (tests with both ends in one process).
  std::vector<std::uint16_t> peer_ports;
  /// The heartbeat timeout: connect limit, and the longest a write waits for a lost secondary.
  std::chrono::milliseconds timeout{5000};
  /// The module's var folder ($SAFEUSERVAR): records live in <var_dir>/replication/.
  std::filesystem::path var_dir;
  replication_fs::ReplicatedFsOptions fs_options;
  std::shared_ptr<spdlog::logger> log;  ///< nullptr: spdlog's default logger
};

/// Told from the session's or the link's threads; each must be quick (post to the agent's loop).
struct ReplicationCallbacks {
  /// Primary: a directory's secondary was declared lost; writes are recorded from now on.
  std::function<void(const std::string& why)> secondary_lost;
  /// Primary: every directory is reintegrated and connected: replication.in_sync.
  std::function<void()> in_sync;
  /// Primary: a reintegration failed; the secondary stays not up to date.
  std::function<void(const std::string& why)> reintegration_failed;
  /// Secondary: a primary's stream ended (closed, broken, or a change could not be applied):
  /// this node is not up to date until the next reintegration completes.
  std::function<void(const std::string& why)> stream_ended;
  /// Secondary: every directory's receiver reached the primary's in-sync marker since
  /// become_secondary() (with async="none", every change before it applied): the primary's
  /// reintegration finished, this node is SECOND and up to date. A stream that ends afterwards
  /// clears it (stream_ended); told again after the next reintegration.
  std::function<void()> secondary_in_sync;
};

/// How a node becomes secondary.
struct BecomeSecondaryOptions {
  /// After a split brain (this node ran its application ALONE while the other did too): this
  /// node's name. Before anything is received, every path of this node's own record of changed
  /// regions (what it wrote while ALONE) is copied into
  /// <var_dir>/conflicts/<UTC stamp>_<keep_aside>/<dir index>-<dir name>/<relative path>
  /// and the record is emptied; a record that is not intact copies the whole directory.
  /// Empty: nothing is kept aside (the record is left as it is).
  std::string keep_aside;
};

class ReplicationSession {
 public:
  /// Checks the configuration (at most kMaxReplicatedDirs directories, absolute and distinct,
  /// filters that compile); touches nothing. invalid_argument naming the element and its line.
  static Result<std::unique_ptr<ReplicationSession>> create(ReplicationSessionOptions options,
                                                            ReplicationCallbacks callbacks,
                                                            Reintegrate reintegrate);
  /// The same with the real reintegration: networked_reintegration(options.rfs) (fast or full,
  /// the secondary's manifest asked over each directory's link, nbrei and reiallowedbw).
  static Result<std::unique_ptr<ReplicationSession>> create(ReplicationSessionOptions options,
                                                            ReplicationCallbacks callbacks);
  /// Stops (lazily detaching what is still mounted).
  ~ReplicationSession();
  ReplicationSession(const ReplicationSession&) = delete;
  ReplicationSession& operator=(const ReplicationSession&) = delete;

  /// Mounts the replicated file system over every directory, all or nothing (a failure
  /// unmounts what was mounted and names the directory). Changes are recorded (ALONE) until
  /// peer_secondary_ready() connects the secondary. `peer_reachable` is only shown in state.
  /// refused when the session already has a role (stop() first).
  Status become_primary(bool peer_reachable);

  /// Puts a read-only view over every directory and listens for the primary on each port,
  /// applying beneath the view; all or nothing. refused when the session already has a role.
  Status become_secondary();
  /// The same, keeping first what only this node wrote (see BecomeSecondaryOptions); an error
  /// copying names the file, and nothing is mounted then.
  Status become_secondary(const BecomeSecondaryOptions& options);
  /// Where the last become_secondary(keep_aside) put what it kept (empty: nothing was).
  std::filesystem::path conflicts_folder() const;

  /// Primary: the peer is SECOND. Connects one link per directory (io_error/refused naming
  /// the directory and address when one cannot: nothing stays connected then), then runs the
  /// reintegration on a thread of the session and tells in_sync or reintegration_failed.
  /// Waits for a reintegration still running first; OK at once when every link is up and the
  /// secondary is in sync; with every link up after a failed reintegration, runs it again.
  /// `full`: the peer is not known to hold an earlier copy of this primary's tree (never marked
  /// up to date, or after a split brain): reintegrate fully whatever the record says.
  Status peer_secondary_ready(bool full = false);

  /// Secondary, before taking over: waits until every change received is applied, as long as
  /// changes keep being written; timeout when none was written for `stall`.
  Status drain(std::chrono::milliseconds stall);

  /// Unmounts everything, after any reintegration finished. As primary the file system is
  /// refused while an application holds a file there (refused naming the directories, those
  /// stay mounted and the session keeps its role) unless `lazy`: then the primary is fenced
  /// first (fence_primary), the processes still holding files are named in the log (killed
  /// with <rfs killholders="on">), and a mount still busy is detached without waiting: those
  /// processes keep a fenced, read-only view until they close their files. As secondary: drains (while changes keep
  /// being written, see drain), stops the receivers, removes the views (lazily: readers keep
  /// their files); when changes received could not all be written, left_changes() says so.
  Status stop(bool lazy = false);

  // --- A primary whose secondary is lost (see DirectorySink) -------------------------------
  /// This node decided to go on without its secondary (ALONE, or the peer says it is behind):
  /// the writes the secondary lacks are acknowledged (once durable).
  void allow_alone();
  /// This node leaves the primary role: the writes the secondary lacks fail (EIO).
  void refuse_unforwarded(const std::string& why);
  /// Writes waiting now for that decision.
  std::size_t held_changes() const;
  /// Primary: fences every directory (ReplicatedFs::fence, DirectorySink::fence): from its
  /// return on nothing more is written underneath nor acknowledged. stop(true) does it first.
  void fence_primary(const std::string& why);

  /// Mounts a lazy stop detached while processes still held files, and still served to them
  /// (fenced) by this process: once it exits they get ENOTCONN instead of EROFS.
  std::size_t detached_in_use() const;
  /// Waits at most `limit` until every detached mount is released; true when none is left.
  bool wait_detached_released(std::chrono::milliseconds limit);

  /// The last stop as secondary left received changes unwritten: this copy lacks changes the
  /// old primary acknowledged, and must not serve as primary (reset by the next role).
  bool left_changes() const { return left_changes_.load(); }

  /// Role, in_sync, and per directory: mounted / view, connected, lost (why), changes and bytes
  /// sent, changes recorded, record intact, reintegration progress while it runs.
  nlohmann::json state_json() const;

  /// Primary: the secondary is reintegrated and connected. Secondary: every directory got the
  /// primary's in-sync marker and no stream ended since (secondary_in_sync).
  bool in_sync() const { return in_sync_.load(); }

  /// rfsdiff, on the primary with its secondary connected: per directory, what a full
  /// reintegration would send now (the secondary's manifest asked over the link, compared with
  /// the primary's; nothing is changed): {"dirs": [{"dir", "data_bytes", "actions": [{"path",
  /// "action", "bytes"}]}]}. Runs on the caller's thread and hashes both trees: seconds per
  /// GiB. refused when not primary, io_error naming the directory when its link is down.
  Result<nlohmann::json> rfsdiff_json();
  /// rfsverify: the same comparison seen from the secondary, the paths whose copy differs:
  /// {"dirs": [{"dir", "equal", "differences": [{"path", "what"}]}]}. Runs on the primary (it
  /// holds the link that can ask the secondary); the CLI on the secondary asks the primary's agent.
  Result<nlohmann::json> rfsverify_json();
  /// Secondary: the ports the receivers listen on (directory order).
  std::vector<std::uint16_t> receiver_ports() const;

  struct Directory;  ///< internal: one replicated directory's pieces

 private:
  enum class Role { none, primary, secondary };
  ReplicationSession(ReplicationSessionOptions options, ReplicationCallbacks callbacks, Reintegrate reintegrate);
  std::string link_name(std::size_t index) const;
  std::uint16_t peer_port(std::size_t index) const;
  std::filesystem::path record_file(std::size_t index) const;
  void reintegrate_all(bool full);
  Status reintegrate_renamed(ReintegrationJob& job, DirectorySink& sink);
  Result<nlohmann::json> compare_with_secondary(bool verify);
  Status keep_aside(const std::string& node);
  void note_in_sync_marker(Directory& directory);
  Result<std::vector<std::byte>> answer_manifest_request(const Directory& directory, std::span<const std::byte> request) const;
  void join_reintegration();
  void unmount_all_quietly();
  /// Primary, with mutex_: drops the directory's file system and sink (closing the link);
  /// `detached`: the file system still serves holders, both are released on a thread of their own.
  void release_primary_directory(Directory& d, bool detached);

  ReplicationSessionOptions options_;
  ReplicationCallbacks callbacks_;
  Reintegrate reintegrate_;
  std::shared_ptr<spdlog::logger> log_;

  // Held shared by rfsdiff/rfsverify while they use the mounts and links without mutex_ (so
  // that `haven state` does not wait for their hashing), exclusively by stop().
  std::shared_mutex in_use_;
  mutable std::mutex mutex_;  // serialises become_*, stop, connecting; may be held long
  // role_ and directories_' parts (fs, sink, view, receiver) as state_json and the decision
  // calls read them: held only briefly, taken after mutex_ when both are.
  mutable std::mutex parts_mutex_;
  std::atomic<bool> fenced_{false};
  struct DetachedMounts {
    std::mutex mutex;
    std::condition_variable released;
    std::size_t in_use = 0;
  };
  std::shared_ptr<DetachedMounts> detached_ = std::make_shared<DetachedMounts>();
  Role role_ = Role::none;
  bool peer_reachable_ = false;
  std::filesystem::path conflicts_folder_;
  std::vector<std::unique_ptr<Directory>> directories_;
  std::thread reintegration_;
  std::atomic<bool> reintegrating_{false};
  std::atomic<bool> in_sync_{false};
  std::atomic<bool> left_changes_{false};
};

}  // namespace haven::replication_session
