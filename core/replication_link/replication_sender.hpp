// The primary's end of the replication link: a ChangeSink that carries each change to the
// secondary over TLS, many in flight, and says a change is safe once the secondary has
// acknowledged it, or, once the secondary is lost, once the LostHandler recorded it.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <set>
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
#include "replication/change_sink.hpp"
#include "replication_link/ack_stream_reader.hpp"
#include "replication_link/link_frames.hpp"
#include "replication_link/link_tls.hpp"

namespace spdlog {
class logger;
}

namespace haven::replication {

struct SenderOptions {
  std::string address;      ///< the secondary's address on the flow lan (an IP address)
  std::uint16_t port = 0;   ///< replication TCP: 5600 + (module id - 1) * 4
  std::string module;       ///< names the link's key and identity: both ends must agree
  ClusterKey key;
  /// Connect and handshake limit, and the longest a change may wait for an acknowledgement
  /// (no progress for this long: the secondary is lost). The agent passes the heartbeat timeout.
  std::chrono::milliseconds timeout{5000};
  /// Changes sent but not acknowledged, in encoded bytes; submit() waits above it.
  std::size_t max_bytes_in_flight = 64 * 1024 * 1024;
  /// The largest answer to request() accepted; a longer one ends the link (secondary lost).
  std::size_t max_reply_bytes = kDefaultMaxReplyBytes;
  /// The primary's half of the lease (README.md, "The lease"): a keep-alive every this often,
  /// busy or idle, echoing what was heard from the secondary, so an idle link's cut is seen
  /// within `timeout` too; and once the secondary is lost, for any reason, a change it lacks is
  /// acknowledged no sooner than `timeout` after anything last came from it. The secondary's
  /// silence_timeout must exceed twice this (plus a round trip) and stay below `timeout`.
  /// The session passes timeout / 10. 0: neither keep-alives nor the hold (old callers, tests).
  std::chrono::milliseconds keepalive_interval{0};
};

/// Records, durably and in order, changes the secondary will not receive (the changed-regions
/// log). Called with consecutive batches, from a thread calling wait(); an error makes those
/// changes' wait() fail (the application then gets EIO).
using LostHandler = std::function<Status(std::span<const Change> changes)>;

/// Told once, from the link's thread, when the secondary is declared lost, with why.
using SecondaryLostNotice = std::function<void(const std::string& why)>;

class ReplicationSender final : public ChangeSink {
 public:
  /// Connects to the secondary and completes the TLS handshake within options.timeout.
  /// io_error naming the address when it cannot connect; refused when the handshake fails
  /// (the peer does not hold this cluster's key, or replicates another module).
  static Result<std::unique_ptr<ReplicationSender>> connect(SenderOptions options, LostHandler lost_handler,
                                                            std::shared_ptr<spdlog::logger> log = nullptr,
                                                            SecondaryLostNotice notice = {});
  /// Closes the link. Do not destroy it while a thread is in submit() or wait().
  ~ReplicationSender() override;

  /// Gives the change the next sequence (from 1) and queues it. Never waits for the network,
  /// except when max_bytes_in_flight are unacknowledged: then until acknowledgements make room
  /// or the secondary is declared lost (at most options.timeout without progress).
  Ticket submit(Change change) override;

  /// Returns when the secondary acknowledged the change, or once lost, when the LostHandler
  /// recorded it (its error otherwise). Waits at most options.timeout without any progress
  /// of acknowledgements before declaring the secondary lost.
  Status wait(Ticket ticket) override;

  /// Queues an in-sync marker after every change submitted so far (see link_frames.hpp): the
  /// secondary learns that this directory's reintegration succeeded. wait() as for a change.
  Ticket submit_marker();

  /// Sends `body` as a request, in order after every change submitted so far, and waits for
  /// the secondary's answer (at most options.timeout without any progress: acknowledgements
  /// or the secondary's "working" notices). io_error when the secondary is lost first, the
  /// secondary's own error (its message) when it could not answer. `what` names the request
  /// in messages ("the manifest of /srv/data").
  Result<std::vector<std::byte>> request(std::vector<std::byte> body, const std::string& what);

  /// Waits until the secondary acknowledged every change submitted so far, or is declared lost
  /// (at most options.timeout without progress, as wait()). True when all were acknowledged.
  /// The primary's fence calls it so that nothing is acknowledged after it announces its new role.
  bool wait_all_acknowledged();

  bool lost() const;
  /// Why the secondary was declared lost; empty while it is not.
  std::string lost_reason() const;
  /// The highest sequence the secondary acknowledged.
  std::uint64_t acknowledged() const;
  /// Once lost, with keep-alives on: the instant from which a change the secondary lacks may be
  /// acknowledged to the application (last heard from it + timeout; its lease has run out by
  /// then). A caller recording such changes itself (DirectorySink) must hold them until then.
  /// The clock's epoch while not lost or without keep-alives.
  std::chrono::steady_clock::time_point acknowledge_recorded_from() const;

 private:
  struct Pending {
    Change change;  ///< a control frame keeps only its sequence here
    std::size_t bytes = 0;
    ControlKind control = ControlKind::none;
    std::vector<std::byte> body;  ///< a control frame's body
  };
  struct Reply {
    bool ok = false;
    std::vector<std::byte> answer;  ///< or the error message's bytes
  };
  using Clock = std::chrono::steady_clock;
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  ReplicationSender(SenderOptions options, LostHandler lost_handler, std::shared_ptr<spdlog::logger> log, SecondaryLostNotice notice);
  Status open_link();

  // Link thread only.
  /// Reads the secondary's next word or reply body (acks_), and acts on each whole message.
  void read_ack();
  /// With the lock held: a whole message from the secondary; false when it was lost by it.
  bool take_message(SecondaryMessage message);
  Ticket queue_locked(Pending pending, std::unique_lock<std::mutex>& lock);
  void write_more();
  void close_stream();
  /// Every keepalive_interval: queues a keep-alive, and declares the secondary lost when
  /// nothing was acknowledged for the timeout (also on an idle link).
  void keep_alive();
  /// With the lock held: something came from the secondary (one whole message when `counts`).
  void heard(bool counts);

  /// With the lock held: takes every unacknowledged change over for the LostHandler.
  void declare_lost(const std::string& why);
  void request_write();

  SenderOptions options_;
  LostHandler lost_handler_;
  std::shared_ptr<spdlog::logger> log_;
  SecondaryLostNotice notice_;
  LinkPsk psk_;
  std::string peer_;  // "address:port" for messages

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  boost::asio::steady_timer keepalive_timer_{io_};  // link thread
  Clock::time_point last_keepalive_{};              // link thread
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<TlsStream> stream_;
  std::thread thread_;
  std::vector<std::byte> batch_;           // link thread: frames being written
  AckStreamReader acks_;                   // link thread: the secondary's stream
  bool writing_ = false;                   // link thread
  bool closed_ = false;                    // link thread

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t next_to_send_ = 1;
  std::uint64_t acked_ = 0;
  std::deque<Pending> unacked_;  // sequences acked_+1 .. next_sequence_-1 while not lost
  std::size_t bytes_in_flight_ = 0;
  Clock::time_point last_progress_;
  bool write_requested_ = false;
  bool lost_ = false;
  bool closing_ = false;
  std::string lost_reason_;
  std::vector<Pending> to_record_;  // after the loss, in sequence order (control frames dropped when recorded)
  std::map<std::uint64_t, Reply> replies_;           // by request sequence, until request() takes it
  std::set<std::uint64_t> awaiting_replies_;         // requests sent whose answer request() still waits for
  std::uint64_t recorded_up_to_ = 0;
  bool recording_ = false;
  std::optional<Error> record_error_;
  Clock::time_point last_heard_{};      // anything from the secondary; the connection before that
  std::uint64_t heard_messages_ = 0;    // whole messages read, echoed by each keep-alive
  Clock::time_point acknowledge_recorded_from_{};
};

}  // namespace haven::replication
