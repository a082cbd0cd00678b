// One UDP endpoint for a module's heartbeats: sends each heartbeat to every peer address
// (one per lan) and delivers the authenticated, non-replayed ones it receives. Drops are
// counted and reported through a rate-limited callback. Runs on the io_context's thread;
// every method and callback is called there.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "haven/result.hpp"
#include "heartbeat/cluster_key.hpp"
#include "heartbeat/heartbeat_drops.hpp"
#include "heartbeat/heartbeat_message.hpp"
#include "heartbeat/replay_window.hpp"

namespace haven {

/// What Callbacks::admit decides on one authentic heartbeat.
struct HeartbeatAdmission {
  enum class Outcome { deliver, heard_again, drop } outcome = Outcome::deliver;
  HeartbeatRejection why;  ///< for drop: the reason to count and the detail to log
};

class HeartbeatSocket {
 public:
  using Endpoint = boost::asio::ip::udp::endpoint;

  struct Callbacks {
    /// An authentic, new heartbeat, and the address it came from.
    std::function<void(const HeartbeatMessage&, const Endpoint& from)> on_message;
    /// A drop line to log (already rate-limited); may be empty.
    std::function<void(const DropLogLine&)> on_drop_line;
    /// Monotonic time for the drop rate limit; steady_clock when empty.
    std::function<TimePoint()> now;
    /// Decides on each authentic heartbeat instead of this socket's own replay window (an
    /// agent shares one decision between its lans: PeerFreshness).
    std::function<HeartbeatAdmission(const HeartbeatMessage&)> admit;
    /// The copy of a heartbeat already delivered (through another socket), arriving here:
    /// admit answered `heard_again`.
    std::function<void(const HeartbeatMessage&, const Endpoint& from)> on_heard_again;
  };

  /// Binds `local` (port 0: any free port) and starts receiving. Fails with io_error naming
  /// the address when the bind fails (port in use, address not on this machine).
  static Result<std::unique_ptr<HeartbeatSocket>> open(boost::asio::io_context& io, const Endpoint& local,
                                                       const ClusterKey& key, std::vector<Endpoint> peers,
                                                       Callbacks callbacks,
                                                       std::chrono::milliseconds drop_log_interval =
                                                           std::chrono::seconds(60));

  /// Encodes and sends `message` to every peer. A peer that cannot be reached does not stop
  /// the others; the error names the first one that failed.
  Status send(const HeartbeatMessage& message);
  /// Encodes and sends `message` to `peer` alone (a farm's pulse echoes each peer its own).
  Status send_to(const HeartbeatMessage& message, const Endpoint& peer);

  /// The address actually bound (with the port chosen when 0 was asked).
  Endpoint local_endpoint() const;

  /// Drop counters, for status output.
  const HeartbeatDrops& drops() const { return drops_; }

  /// Logs drops held back by the rate limit whose interval has passed; call once per pulse.
  void flush_drop_lines();

  HeartbeatSocket(const HeartbeatSocket&) = delete;
  HeartbeatSocket& operator=(const HeartbeatSocket&) = delete;
  ~HeartbeatSocket();

 private:
  HeartbeatSocket(boost::asio::io_context& io, const ClusterKey& key, std::vector<Endpoint> peers,
                  Callbacks callbacks, std::chrono::milliseconds drop_log_interval);
  void receive_next();
  void handle_packet(std::size_t size);
  void count_drop(DropReason reason, const std::string& detail);
  TimePoint now() const;

  boost::asio::ip::udp::socket socket_;
  ClusterKey key_;
  std::vector<Endpoint> peers_;
  Callbacks callbacks_;
  ReplayWindow window_;
  HeartbeatDrops drops_;
  std::array<std::uint8_t, 2048> buffer_{};
  Endpoint sender_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace haven
