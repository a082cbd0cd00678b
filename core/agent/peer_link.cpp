#include "agent/peer_link.hpp"

#include <tuple>

namespace haven {
namespace {

bool same(const PeerView& a, const PeerView& b) {
  return a.reachable == b.reachable && a.node == b.node && a.state == b.state && a.sub == b.sub &&
         a.knowledge == b.knowledge;
}

std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

PeerLink::PeerLink(boost::asio::io_context& io, PeerLinkConfig config, StatusSource status, PeerSink on_peer,
                   LogSink log)
    : config_(std::move(config)),
      status_(std::move(status)),
      on_peer_(std::move(on_peer)),
      log_(std::move(log)),
      timer_(io) {}

PeerLink::~PeerLink() { timer_.cancel(); }

Result<std::unique_ptr<PeerLink>> PeerLink::open(boost::asio::io_context& io, PeerLinkConfig config,
                                                 StatusSource status, PeerSink on_peer, LogSink log) {
  auto boot = new_boot_id(unix_ms_now());
  if (!boot.ok()) return std::move(boot).error();
  std::unique_ptr<PeerLink> link(new PeerLink(io, std::move(config), std::move(status), std::move(on_peer), std::move(log)));
  link->boot_ = *boot;
  link->freshness_.emplace(link->config_.peer_node, link->config_.module, link->boot_, link->config_.timeout,
                           link->config_.lans.size());
  link->lan_heard_.resize(link->config_.lans.size());
  link->lan_up_.resize(link->config_.lans.size(), false);
  for (std::size_t index = 0; index < link->config_.lans.size(); ++index) {
    const auto& lan = link->config_.lans[index];
    HeartbeatSocket::Callbacks callbacks;
    PeerLink* self = link.get();
    callbacks.on_message = [self, index](const HeartbeatMessage& m, const HeartbeatSocket::Endpoint&) {
      self->on_message(m, index);
    };
    callbacks.on_drop_line = [self](const DropLogLine& line) { self->log_(LogLevel::warning, to_log_text(line)); };
    callbacks.admit = [self, index](const HeartbeatMessage& m) {
      auto verdict = self->freshness_->admit(m, index, std::chrono::steady_clock::now(), unix_ms_now());
      HeartbeatAdmission admission;
      if (verdict.accepted) return admission;
      admission.outcome = verdict.heard_again ? HeartbeatAdmission::Outcome::heard_again : HeartbeatAdmission::Outcome::drop;
      admission.why = HeartbeatRejection{verdict.reason, std::move(verdict.detail)};
      return admission;
    };
    callbacks.on_heard_again = [self, index](const HeartbeatMessage&, const HeartbeatSocket::Endpoint&) {
      self->lan_heard_[index] = std::chrono::steady_clock::now();
      self->update_lans(*self->lan_heard_[index]);
    };
    auto socket = HeartbeatSocket::open(io, lan.local, link->config_.key, {lan.peer}, callbacks);
    if (!socket.ok())
      return fail(socket.error().code, "heartbeat on lan " + lan.name + ": " + socket.error().message);
    link->sockets_.push_back(std::move(*socket));
  }
  return link;
}

void PeerLink::start() {
  started_ = std::chrono::steady_clock::now();
  on_pulse();
}

void PeerLink::send_now() {
  const auto status = status_();
  HeartbeatMessage m;
  m.sender_node = config_.local_node;
  m.module = config_.module;
  m.module_id = config_.module_id;
  m.boot = boot_;
  m.sequence = sequence_++;
  m.sent_unix_ms = unix_ms_now();
  std::tie(m.echo_nonce, m.echo_sequence) = freshness_->echo();
  freshness_->sent(m.sequence, std::chrono::steady_clock::now());
  m.state = status.state;
  m.sub_state = status.sub;
  m.knowledge = status.knowledge;
  const bool peer_heard = last_emitted_ && last_emitted_->reachable;
  m.resources = announcer_.next(status.resources, heartbeat_resource_budget(m.sender_node, m.module), peer_heard);
  if (m.resources.included && m.resources.truncated != local_truncated_) {
    local_truncated_ = m.resources.truncated;
    if (local_truncated_)
      log_(LogLevel::warning, "the " + std::to_string(status.resources.size()) + " resources of module " +
                                  config_.module + " do not all fit in a heartbeat: " + config_.peer_node +
                                  " gets the first " + std::to_string(m.resources.table.size()) +
                                  " by name and reads the others as unknown in its remote. rules (names "
                                  "longer than 128 bytes or with characters other than letters, digits, "
                                  "'_', '-', '.' and ':' never go)");
    else
      log_(LogLevel::info, "the resources of module " + config_.module + " fit in a heartbeat again");
  }
  for (auto& socket : sockets_) {
    // A lan that is down must not stop the others; silence there is what the peer notices.
    (void)socket->send(m);
  }
}

void PeerLink::on_pulse() {
  send_now();
  for (auto& socket : sockets_) socket->flush_drop_lines();
  const auto now = std::chrono::steady_clock::now();
  update_lans(now);
  const auto since = last_heard_ ? now - *last_heard_ : now - started_;
  if (since >= config_.timeout && (!last_emitted_ || last_emitted_->reachable)) {
    if (last_emitted_)
      log_(LogLevel::warning, "no heartbeat from " + config_.peer_node + " on any lan for " +
                                  std::to_string(config_.timeout.count()) + " ms: peer lost");
    PeerView lost;
    lost.reachable = false;
    lost.node = config_.peer_node;
    peer_tracker_.forget();
    emit(lost);
  }
  timer_.expires_after(config_.pulse);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_pulse();
  });
}

void PeerLink::on_message(const HeartbeatMessage& message, std::size_t lan) {
  if (message.sender_node != config_.peer_node || message.module != config_.module) return;
  last_heard_ = std::chrono::steady_clock::now();
  lan_heard_[lan] = last_heard_;
  update_lans(*last_heard_);
  auto update = to_peer_update(message);
  update.node = config_.peer_node;
  if (!last_emitted_ || !last_emitted_->reachable)
    log_(LogLevel::info, "heartbeat from " + config_.peer_node + ": peer " + to_string(update.state));
  const auto truncation = peer_tracker_.take(message);
  if (truncation == PeerResourceTracker::Truncation::started)
    log_(LogLevel::warning, "the heartbeats of " + config_.peer_node + " carry only part of its resources of module " +
                                config_.module + ": its remote. resources missing from them read unknown here "
                                "(see the module log on " + config_.peer_node + ")");
  else if (truncation == PeerResourceTracker::Truncation::ended)
    log_(LogLevel::info, "the heartbeats of " + config_.peer_node + " carry all its resources again");
  emit(update);
}

void PeerLink::update_lans(std::chrono::steady_clock::time_point now) {
  for (std::size_t i = 0; i < lan_up_.size(); ++i) {
    const bool up = lan_heard_[i] && now - *lan_heard_[i] < config_.timeout;
    if (up == lan_up_[i]) continue;
    lan_up_[i] = up;
    if (on_lan_) on_lan_(config_.lans[i].name, up);
  }
}

void PeerLink::emit(const PeerView& update) {
  if (last_emitted_ && same(*last_emitted_, update)) return;
  last_emitted_ = update;
  on_peer_(update);
}

}  // namespace haven
