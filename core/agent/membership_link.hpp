// The agent's link to the other nodes of a farm module: every pulse it sends this node's
// heartbeat (the mirror's authenticated HeartbeatMessage, one per peer so that each echoes
// that peer's boot) to every other node on every farm lan, and tells the behaviour which
// nodes are present, in which state, as MembershipTracker decides (docs/heartbeats.md, "Farm
// membership"). Runs on the io_context's thread; every method and callback is called there.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/peer_link.hpp"
#include "haven/behaviour.hpp"
#include "heartbeat/boot_id.hpp"
#include "heartbeat/cluster_key.hpp"
#include "heartbeat/heartbeat_drops.hpp"
#include "heartbeat/heartbeat_socket.hpp"
#include "heartbeat/membership_tracker.hpp"
#include "heartbeat/peer_freshness.hpp"
#include "heartbeat/resource_exchange.hpp"

namespace haven {

/// One farm lan: this node's address there with the farm port, and every other node's.
struct MembershipLan {
  std::string name;
  HeartbeatSocket::Endpoint local;
  std::vector<std::pair<std::string, HeartbeatSocket::Endpoint>> peers;  ///< node name, its endpoint
};

/// What a MembershipLink needs: who this node and module are, the pulse and loss counts of
/// <farm>, the lans (membership_lans.hpp builds them from cluster.xml) and the cluster key.
struct MembershipLinkConfig {
  std::string local_node;
  std::string module;
  std::uint16_t module_id = 0;
  std::chrono::milliseconds pulse{100};
  int mlost_count = 20;
  int slost_count = 10;
  std::vector<MembershipLan> lans;
  ClusterKey key;
};

class MembershipLink {
 public:
  using StatusSource = std::function<LocalModuleStatus()>;  // from agent/peer_link.hpp
  using MembershipSink = std::function<void(const std::vector<PeerView>&)>;
  using LogSink = std::function<void(LogLevel, const std::string&)>;

  /// Binds one UDP socket per lan (this node's address and the farm port). Errors name the
  /// module and the lan: io_error when an address cannot be bound, invalid_argument for a
  /// pulse or a loss count that is not positive. The peers, and the order of every view, are
  /// the lans' peers in order of first appearance.
  static Result<std::unique_ptr<MembershipLink>> open(boost::asio::io_context& io, MembershipLinkConfig config,
                                                      StatusSource status, MembershipSink on_view, LogSink log);
  ~MembershipLink();
  MembershipLink(const MembershipLink&) = delete;
  MembershipLink& operator=(const MembershipLink&) = delete;

  /// Starts the pulse (the first goes out now). The first view reaches the sink as soon as
  /// every peer has been heard, or at the first pulse once slost_count pulses have passed
  /// since start() (so a starting node does not take the whole load before it could hear the
  /// others); at once when there is no peer. After that, at each change of the view.
  void start();
  /// Sends a pulse now (the local state changed), without waiting for the next.
  void send_now();
  /// One PeerView per peer, in the configuration's order (empty before start()).
  std::vector<PeerView> view() const;
  /// The heartbeats dropped for `reason` since open(), on every lan (for status output and
  /// tests): not authentic, replayed, stale, or not from a peer of this module at its address.
  std::uint64_t dropped(DropReason reason) const;

 private:
  struct Peer {
    std::string node;
    std::vector<std::optional<HeartbeatSocket::Endpoint>> at;  ///< per lan: where it is, when it is there
    std::optional<PeerFreshness> freshness;                   ///< one decision for every lan
    ResourceAnnouncer announcer;
    std::uint64_t sequence = 0;  ///< +1 per heartbeat sent to it; the same on every lan
  };

  MembershipLink(boost::asio::io_context& io, MembershipLinkConfig config, StatusSource status, MembershipSink on_view,
                 LogSink log);
  Peer* find_peer(const std::string& node);
  HeartbeatAdmission admit(const HeartbeatMessage& message, std::size_t lan);
  void on_message(const HeartbeatMessage& message, const HeartbeatSocket::Endpoint& from, std::size_t lan);
  void on_pulse();
  void tell(bool changed, TimePoint now);
  void log_losses(const std::vector<std::string>& before, const std::string& master_before);
  void count_drop(DropReason reason, const std::string& detail);

  MembershipLinkConfig config_;
  StatusSource status_;
  MembershipSink on_view_;
  LogSink log_;
  std::vector<std::unique_ptr<HeartbeatSocket>> sockets_;  // one per lan, in config order
  std::vector<Peer> peers_;
  boost::asio::steady_timer timer_;
  BootId boot_;
  std::optional<MembershipTracker> tracker_;  // from start()
  bool told_ = false;                          // the first view went to the sink
  std::vector<std::string> logged_present_;
  HeartbeatDrops drops_;  // drops decided after the socket: from a wrong address
  bool local_truncated_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards the timer's handler
};

/// The farm membership port: `configured` (<farm port>) when given, else 4803 + (module_id - 1)
/// * 3, the seed product's allocation (module id 1 gets 4803).
std::uint16_t farm_membership_port(std::uint16_t module_id, std::optional<int> configured);

}  // namespace haven
