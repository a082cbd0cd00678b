// The agent's link to the same module on the peer node: sends this node's heartbeat on
// every lan at each pulse (and at once when the state changes), and tells the state
// machine what it hears: the peer's state and knowledge, or that it is lost after
// `timeout` of silence on every lan. The heartbeats also carry each node's resources
// (ResourceAnnouncer decides when), which the failover rules read as `remote.`.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "haven/behaviour.hpp"
#include "heartbeat/boot_id.hpp"
#include "heartbeat/cluster_key.hpp"
#include "heartbeat/heartbeat_socket.hpp"
#include "heartbeat/peer_freshness.hpp"
#include "heartbeat/resource_exchange.hpp"

namespace haven {

/// One lan of the heartbeat: this node's address and the peer's, with the module's port.
struct PeerLinkLan {
  std::string name;
  HeartbeatSocket::Endpoint local;
  HeartbeatSocket::Endpoint peer;
};

struct PeerLinkConfig {
  std::string local_node;
  std::string peer_node;
  std::string module;
  std::uint16_t module_id = 0;
  std::chrono::milliseconds pulse{700};
  std::chrono::milliseconds timeout{30000};
  std::vector<PeerLinkLan> lans;
  ClusterKey key;
};

/// What this node says in its heartbeats.
struct LocalModuleStatus {
  ModuleState state = ModuleState::stop;
  SubState sub = SubState::not_ready;
  NodeKnowledge knowledge;
  /// The module's resources on this node, name → value (the whole table, host-owned
  /// classes included: remote.heartbeat.* and remote.rfs.* mean something to the peer).
  std::map<std::string, std::string> resources;
};

class PeerLink {
 public:
  using StatusSource = std::function<LocalModuleStatus()>;
  using PeerSink = std::function<void(const PeerView&)>;
  using LogSink = std::function<void(LogLevel, const std::string&)>;
  /// Told when one lan starts or stops carrying the peer's heartbeats (resource heartbeat.<lan>).
  using LanSink = std::function<void(const std::string& lan, bool up)>;

  /// Binds one socket per lan. The error names the lan and address that failed.
  static Result<std::unique_ptr<PeerLink>> open(boost::asio::io_context& io, PeerLinkConfig config,
                                                StatusSource status, PeerSink on_peer, LogSink log);
  ~PeerLink();

  /// Starts the pulse. The first PeerView comes with the peer's first heartbeat, or as
  /// "unreachable" once `timeout` has passed in silence.
  void start();
  /// Sends a heartbeat now (the local state changed), without waiting for the pulse.
  void send_now();
  /// Where per-lan changes go; every lan starts down until the peer is heard on it.
  void on_lan_change(LanSink sink) { on_lan_ = std::move(sink); }
  /// When the peer's last valid heartbeat arrived, on any lan; none before the first.
  std::optional<std::chrono::steady_clock::time_point> last_heard() const { return last_heard_; }
  /// The peer's resources (name → value) as its latest table listed them, for `remote.`
  /// in failover rules; nullopt while they are not known: before the peer's first table,
  /// after the peer restarted until its new table, and from the moment the peer is lost.
  const std::optional<std::map<std::string, std::string>>& peer_resources() const {
    return peer_tracker_.resources();
  }

 private:
  PeerLink(boost::asio::io_context& io, PeerLinkConfig config, StatusSource status, PeerSink on_peer, LogSink log);
  void on_pulse();
  void on_message(const HeartbeatMessage& message, std::size_t lan);
  void update_lans(std::chrono::steady_clock::time_point now);
  void emit(const PeerView& update);

  PeerLinkConfig config_;
  StatusSource status_;
  PeerSink on_peer_;
  LogSink log_;
  std::vector<std::unique_ptr<HeartbeatSocket>> sockets_;
  boost::asio::steady_timer timer_;
  BootId boot_;
  std::uint64_t sequence_ = 0;
  std::optional<PeerFreshness> freshness_;  // one decision for every lan's sockets
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> last_heard_;
  std::optional<PeerView> last_emitted_;
  ResourceAnnouncer announcer_;
  PeerResourceTracker peer_tracker_;
  bool local_truncated_ = false;  // this node's table did not fit, and that was logged
  LanSink on_lan_;
  std::vector<std::optional<std::chrono::steady_clock::time_point>> lan_heard_;  // per lan
  std::vector<bool> lan_up_;
};

}  // namespace haven
