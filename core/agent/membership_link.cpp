#include "agent/membership_link.hpp"

#include <algorithm>
#include <sstream>
#include <tuple>

namespace haven {
namespace {

std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string to_text(const HeartbeatSocket::Endpoint& e) {
  std::ostringstream out;
  out << e;
  return out.str();
}

}  // namespace

std::uint16_t farm_membership_port(std::uint16_t module_id, std::optional<int> configured) {
  if (configured) return static_cast<std::uint16_t>(*configured);
  const int id = module_id == 0 ? 1 : module_id;
  return static_cast<std::uint16_t>(4803 + (id - 1) * 3);
}

MembershipLink::MembershipLink(boost::asio::io_context& io, MembershipLinkConfig config, StatusSource status,
                               MembershipSink on_view, LogSink log)
    : config_(std::move(config)),
      status_(std::move(status)),
      on_view_(std::move(on_view)),
      log_(std::move(log)),
      timer_(io) {}

MembershipLink::~MembershipLink() {
  *alive_ = false;
  timer_.cancel();
}

Result<std::unique_ptr<MembershipLink>> MembershipLink::open(boost::asio::io_context& io, MembershipLinkConfig config,
                                                             StatusSource status, MembershipSink on_view, LogSink log) {
  if (config.pulse.count() <= 0 || config.mlost_count <= 0 || config.slost_count <= 0)
    return fail(Errc::invalid_argument, "farm membership of module " + config.module + ": pulse " +
                                            std::to_string(config.pulse.count()) + " ms, mlost_count " +
                                            std::to_string(config.mlost_count) + ", slost_count " +
                                            std::to_string(config.slost_count) + "; expected all above 0 in <farm>");
  auto boot = new_boot_id(unix_ms_now());
  if (!boot.ok()) return std::move(boot).error();
  std::unique_ptr<MembershipLink> link(
      new MembershipLink(io, std::move(config), std::move(status), std::move(on_view), std::move(log)));
  link->boot_ = *boot;
  const auto& cfg = link->config_;
  // A heartbeat older than the longest loss period would not keep anyone present anyway.
  const auto horizon = cfg.pulse * std::max(cfg.mlost_count, cfg.slost_count);
  for (std::size_t lan = 0; lan < cfg.lans.size(); ++lan) {
    for (const auto& [node, endpoint] : cfg.lans[lan].peers) {
      if (node == cfg.local_node) continue;
      Peer* peer = link->find_peer(node);
      if (peer == nullptr) {
        Peer fresh;
        fresh.node = node;
        fresh.at.resize(cfg.lans.size());
        fresh.freshness.emplace(node, cfg.module, link->boot_, horizon, cfg.lans.size());
        link->peers_.push_back(std::move(fresh));
        peer = &link->peers_.back();
      }
      peer->at[lan] = endpoint;
    }
  }
  for (std::size_t index = 0; index < cfg.lans.size(); ++index) {
    const auto& lan = cfg.lans[index];
    MembershipLink* self = link.get();
    HeartbeatSocket::Callbacks callbacks;
    callbacks.admit = [self, index](const HeartbeatMessage& m) { return self->admit(m, index); };
    callbacks.on_message = [self, index](const HeartbeatMessage& m, const HeartbeatSocket::Endpoint& from) {
      self->on_message(m, from, index);
    };
    callbacks.on_drop_line = [self](const DropLogLine& line) { self->log_(LogLevel::warning, to_log_text(line)); };
    std::vector<HeartbeatSocket::Endpoint> peers;
    for (const auto& entry : lan.peers) peers.push_back(entry.second);
    auto socket = HeartbeatSocket::open(io, lan.local, cfg.key, std::move(peers), callbacks);
    if (!socket.ok())
      return fail(socket.error().code,
                  "farm membership of module " + cfg.module + " on lan " + lan.name + ": " + socket.error().message);
    link->sockets_.push_back(std::move(*socket));
  }
  return link;
}

MembershipLink::Peer* MembershipLink::find_peer(const std::string& node) {
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.node == node; });
  return it == peers_.end() ? nullptr : &*it;
}

void MembershipLink::start() {
  std::vector<std::string> names;
  for (const auto& peer : peers_) names.push_back(peer.node);
  MembershipRules rules{config_.pulse, config_.mlost_count, config_.slost_count};
  tracker_.emplace(config_.local_node, std::move(names), rules, std::chrono::steady_clock::now());
  on_pulse();
}

void MembershipLink::send_now() {
  const auto status = status_();
  const auto now = std::chrono::steady_clock::now();
  const auto budget = heartbeat_resource_budget(config_.local_node, config_.module);
  for (auto& peer : peers_) {
    HeartbeatMessage m;
    m.sender_node = config_.local_node;
    m.module = config_.module;
    m.module_id = config_.module_id;
    m.boot = boot_;
    m.sequence = peer.sequence++;
    m.sent_unix_ms = unix_ms_now();
    std::tie(m.echo_nonce, m.echo_sequence) = peer.freshness->echo();
    peer.freshness->sent(m.sequence, now);
    m.state = status.state;
    m.sub_state = status.sub;
    m.knowledge = status.knowledge;
    bool heard = false;
    if (tracker_)
      for (const auto& v : tracker_->view())
        if (v.node == peer.node) heard = v.reachable;
    m.resources = peer.announcer.next(status.resources, budget, heard);
    if (m.resources.included && m.resources.truncated != local_truncated_) {
      local_truncated_ = m.resources.truncated;
      log_(local_truncated_ ? LogLevel::warning : LogLevel::info,
           local_truncated_ ? "the " + std::to_string(status.resources.size()) + " resources of farm module " +
                                  config_.module + " do not all fit in a heartbeat: the other nodes get the first " +
                                  std::to_string(m.resources.table.size()) + " by name"
                            : "the resources of farm module " + config_.module + " fit in a heartbeat again");
    }
    for (std::size_t lan = 0; lan < sockets_.size(); ++lan) {
      // A lan that is down must not stop the others; the silence there is what the peer notices.
      if (peer.at[lan]) (void)sockets_[lan]->send_to(m, *peer.at[lan]);
    }
  }
}

std::vector<PeerView> MembershipLink::view() const { return tracker_ ? tracker_->view() : std::vector<PeerView>{}; }

std::uint64_t MembershipLink::dropped(DropReason reason) const {
  std::uint64_t total = drops_.total(reason);
  for (const auto& socket : sockets_) total += socket->drops().total(reason);
  return total;
}

HeartbeatAdmission MembershipLink::admit(const HeartbeatMessage& message, std::size_t lan) {
  HeartbeatAdmission admission;
  admission.outcome = HeartbeatAdmission::Outcome::drop;
  admission.why.reason = DropReason::other_sender;
  if (message.module != config_.module || message.module_id != config_.module_id) {
    admission.why.detail = "node " + message.sender_node + ", module " + message.module + " (id " +
                           std::to_string(message.module_id) + "); this is farm module " + config_.module + " (id " +
                           std::to_string(config_.module_id) + "): check the module's <farm port> and ids on every node";
    return admission;
  }
  if (message.sender_node == config_.local_node) {
    admission.why.detail = "node " + message.sender_node + ", module " + message.module +
                           ": another node calls itself by this node's name; give every node its own name";
    return admission;
  }
  Peer* peer = find_peer(message.sender_node);
  if (peer == nullptr) {
    admission.why.detail = "node " + message.sender_node + " is not on farm module " + config_.module +
                           "'s lans in this node's cluster.xml: make cluster.xml the same on every node";
    return admission;
  }
  auto verdict = peer->freshness->admit(message, lan, std::chrono::steady_clock::now(), unix_ms_now());
  if (verdict.accepted) {
    admission.outcome = HeartbeatAdmission::Outcome::deliver;
    return admission;
  }
  // A copy on another lan of a pulse already taken: nothing more to learn from it.
  admission.outcome = verdict.heard_again ? HeartbeatAdmission::Outcome::heard_again : HeartbeatAdmission::Outcome::drop;
  admission.why = HeartbeatRejection{verdict.reason, std::move(verdict.detail)};
  return admission;
}

void MembershipLink::on_message(const HeartbeatMessage& message, const HeartbeatSocket::Endpoint& from,
                                std::size_t lan) {
  // admit() has no sender address: the address is checked here. An authentic pulse from a
  // wrong address has then moved the peer's replay window, which a cluster member could do
  // by sending from the right address anyway; what matters is that its news is not taken.
  Peer* peer = find_peer(message.sender_node);
  if (peer == nullptr) return;
  if (!peer->at[lan] || *peer->at[lan] != from) {
    count_drop(DropReason::other_sender,
               "from " + to_text(from) + ": node " + message.sender_node + ", module " + config_.module + " is " +
                   (peer->at[lan] ? "at " + to_text(*peer->at[lan]) : std::string("not")) + " on lan " +
                   config_.lans[lan].name + " in cluster.xml: make cluster.xml the same on every node");
    return;
  }
  if (!tracker_) return;  // not started: the first pulse has not gone out
  const auto now = std::chrono::steady_clock::now();
  const bool was_present = [&] {
    const auto present = tracker_->present();
    return std::find(present.begin(), present.end(), peer->node) != present.end();
  }();
  auto news = to_peer_update(message);
  const bool changed = tracker_->heard(peer->node, news, now);
  if (!was_present)
    log_(LogLevel::info, "farm module " + config_.module + ": pulse from " + peer->node + " on lan " +
                             config_.lans[lan].name + ", node " + to_string(news.state) + ": present");
  tell(changed, now);
}

void MembershipLink::on_pulse() {
  send_now();
  for (auto& socket : sockets_) socket->flush_drop_lines();
  for (const auto& line : drops_.due(std::chrono::steady_clock::now())) log_(LogLevel::warning, to_log_text(line));
  const auto now = std::chrono::steady_clock::now();
  const auto before = tracker_->present();
  const auto master_before = tracker_->master();
  const bool changed = tracker_->tick(now);
  if (changed) log_losses(before, master_before);
  tell(changed, now);
  timer_.expires_after(config_.pulse);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (!ec && !alive.expired()) on_pulse();
  });
}

void MembershipLink::log_losses(const std::vector<std::string>& before, const std::string& master_before) {
  const auto after = tracker_->present();
  for (const auto& node : before) {
    if (std::find(after.begin(), after.end(), node) != after.end()) continue;
    const bool master = node == master_before;
    const int count = master ? config_.mlost_count : config_.slost_count;
    log_(LogLevel::warning, "farm module " + config_.module + ": no pulse from " + node + " on any lan for " +
                                std::to_string(count) + " pulses of " + std::to_string(config_.pulse.count()) +
                                " ms (" + (master ? "mlost_count, it was the membership's master" : "slost_count") +
                                "): " + node + " lost");
  }
}

void MembershipLink::tell(bool changed, TimePoint now) {
  if (!told_) {
    if (!tracker_->settled(now)) return;
    told_ = true;
  } else if (!changed) {
    return;
  }
  const auto present = tracker_->present();
  if (present != logged_present_) {
    logged_present_ = present;
    log_(LogLevel::info, "farm membership: " + join_words(present) + " (module " + config_.module + ")");
  }
  on_view_(tracker_->view());
}

void MembershipLink::count_drop(DropReason reason, const std::string& detail) {
  if (auto line = drops_.record(reason, detail, std::chrono::steady_clock::now()))
    log_(LogLevel::warning, to_log_text(*line));
}

}  // namespace haven
