// The secondary's end of the replication link: listens for the primary, decodes each change,
// applies it beneath the replicated directory in sequence order and acknowledges it, on
// receipt (async="second") or once written (async="none").
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "haven/result.hpp"
#include "heartbeat/cluster_key.hpp"
#include "replication_apply/applier.hpp"
#include "replication_link/link_frames.hpp"
#include "replication_link/link_tls.hpp"

namespace spdlog {
class logger;
}

namespace haven::replication {

/// When the secondary acknowledges a change.
enum class AckMode {
  on_receipt,   ///< async="second" (the default): once it is decoded and queued in memory
  after_apply,  ///< async="none": once it is written (and flushed, for fsync changes)
};

/// Answers a primary's request (link_frames.hpp), on the apply thread, after every change
/// received before it is applied. An error is sent back as the answer's error message.
using RequestHandler = std::function<Result<std::vector<std::byte>>(std::span<const std::byte> request)>;

struct ReceiverOptions {
  std::string address = "0.0.0.0";  ///< where to listen: this node's address on the flow lan
  std::uint16_t port = 0;           ///< replication TCP: 5600 + (module id - 1) * 4; 0 picks one (tests)
  std::string module;
  ClusterKey key;
  AckMode ack_mode = AckMode::on_receipt;
  /// Received but not yet applied; above it the link stops reading (TCP pushes back).
  std::size_t max_queued_bytes = 64 * 1024 * 1024;
  /// The same in changes: every one received must be written before this node may take over,
  /// so this bounds how long that takes (small changes cost a system call each).
  std::size_t max_queued_changes = 32768;
  /// A connection must finish its TLS handshake within this (and within
  /// ReplicationReceiver::kMaxHandshakeTime, whichever is shorter).
  std::chrono::milliseconds handshake_timeout{5000};
  /// Each stream starts with the primary's reintegration: apply with core/reintegration's
  /// tolerant applier (a live change to a path not there yet is skipped) until the stream's
  /// in-sync marker, strictly afterwards. Off: strictly from the start.
  bool tolerant_until_marker = false;
  /// Told on the apply thread when a stream's in-sync marker is reached (every change before
  /// it applied): that directory's reintegration succeeded on the primary.
  std::function<void()> on_in_sync_marker;
  /// What the applier may recreate from the primary (<rfs setid> and <rfs devices>; see
  /// ApplierOptions): off clears set-uid/set-gid bits and replaces device nodes by empty files.
  bool keep_setid = false;
  bool keep_devices = false;
  /// Answers requests; none: each request is answered with an error.
  RequestHandler on_request;
  /// The largest answer sent; a longer one is answered with an error instead.
  std::size_t max_reply_bytes = kDefaultMaxReplyBytes;
  /// The secondary's half of the lease (README.md, "The lease"): a connected primary's stream
  /// is ended (StreamEnded, Errc::timeout) once no keep-alive has shown for this long that the
  /// primary still hears this secondary, counted from when this secondary sent the latest
  /// message a keep-alive confirmed (before any, from the start of the handshake). Must be
  /// below the sender's timeout and above twice its keepalive_interval plus a round trip.
  /// The session passes timeout / 2. 0: off (old callers, tests).
  std::chrono::milliseconds silence_timeout{0};
};

/// Told, from the link's threads, when a primary's stream ends: the primary closed it or it
/// broke (the secondary may then lack changes the primary recorded), or a change could not be
/// decoded or applied (the error names it: the secondary is not up to date).
using StreamEnded = std::function<void(const Error& why)>;

class ReplicationReceiver {
 public:
  /// Handshakes in progress at once; a new connection beyond them pushes out the oldest, so
  /// connections that never finish cannot keep the primary out.
  static constexpr std::size_t kMaxPendingHandshakes = 8;
  /// No TLS-PSK handshake takes longer on a working lan: before it, the peer is a stranger.
  static constexpr std::chrono::milliseconds kMaxHandshakeTime{5000};

  /// Listens at once; io_error naming the address and port when it cannot. `dir_fd` is the
  /// replicated directory underneath (borrowed: it must outlive the receiver).
  static Result<std::unique_ptr<ReplicationReceiver>> start(ReceiverOptions options, int dir_fd,
                                                            std::shared_ptr<spdlog::logger> log = nullptr,
                                                            StreamEnded ended = {});
  /// Stops listening, closes the primary's stream, and returns once nothing runs any more.
  ~ReplicationReceiver();
  ReplicationReceiver(const ReplicationReceiver&) = delete;
  ReplicationReceiver& operator=(const ReplicationReceiver&) = delete;

  /// The port it listens on (the one chosen when options.port was 0).
  std::uint16_t port() const { return port_; }
  /// The last sequence applied in the current or last stream (control frames, keep-alives
  /// included, count: they take sequences too).
  std::uint64_t applied() const { return applied_.load(); }
  /// Waits until every change received so far is applied (before the secondary takes over),
  /// at most `timeout`; false when it could not in time.
  bool wait_until_applied(std::chrono::milliseconds timeout);
  /// Waits until every change received so far is applied, however long that takes while
  /// changes keep being written; false only when none was written for `stall`.
  bool drain(std::chrono::milliseconds stall);

 private:
  struct Queued {
    Change change;  ///< a control frame: only its sequence
    std::size_t bytes = 0;
    std::uint64_t stream = 0;
    ControlKind control = ControlKind::none;
    std::vector<std::byte> body;
  };
  struct Session;
  using Clock = std::chrono::steady_clock;

  ReplicationReceiver(ReceiverOptions options, int dir_fd, std::shared_ptr<spdlog::logger> log, StreamEnded ended);
  Status listen();

  // Link thread only.
  void accept();
  void read_more(const std::shared_ptr<Session>& session);
  void take_frames(const std::shared_ptr<Session>& session);
  /// Writes what waits to go to the primary: answers and notices first, then the acknowledgement.
  void send_ack(const std::shared_ptr<Session>& session);
  void keep_working_notices(const std::shared_ptr<Session>& session);
  /// A keep-alive says the primary read `echo` of our messages: the lease runs from the sending
  /// of the latest of them. False (the stream ended) when it claims more than were sent.
  bool renew_lease(const std::shared_ptr<Session>& session, std::uint64_t echo);
  /// Ends the stream once the lease has run out (silence_timeout).
  void watch_silence(const std::shared_ptr<Session>& session);
  Status answer_request(const Queued& q);
  void end_stream(const std::shared_ptr<Session>& session, const Error& why);

  void apply_loop();

  ReceiverOptions options_;
  int dir_fd_;
  std::shared_ptr<spdlog::logger> log_;
  StreamEnded ended_;
  LinkPsk psk_;
  std::uint16_t port_ = 0;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  /// Connections still in their TLS handshake, oldest first: not yet known to hold the key,
  /// so none of them may take the primary's place (link thread).
  std::deque<std::shared_ptr<Session>> pending_;
  std::uint64_t dropped_unlogged_ = 0;                    // link thread: pushed out since the last line
  std::optional<std::chrono::steady_clock::time_point> dropped_logged_;  // link thread
  std::shared_ptr<Session> session_;  // link thread: the one authenticated primary, while connected
  std::uint64_t stream_count_ = 0;    // link thread
  std::thread link_thread_;
  std::thread apply_thread_;

  std::mutex mutex_;
  std::condition_variable queue_changed_;
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  bool applying_ = false;
  bool stopping_ = false;
  std::uint64_t failed_stream_ = 0;  // changes of this stream are dropped after an apply error
  std::atomic<std::uint64_t> applied_{0};
  std::atomic<bool> reading_paused_{false};
};

}  // namespace haven::replication
