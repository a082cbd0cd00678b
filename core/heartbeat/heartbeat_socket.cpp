#include "heartbeat/heartbeat_socket.hpp"

#include <boost/asio/buffer.hpp>
#include <sstream>

namespace haven {
namespace {

std::string to_text(const HeartbeatSocket::Endpoint& e) {
  std::ostringstream out;
  out << e;
  return out.str();
}

}  // namespace

HeartbeatSocket::HeartbeatSocket(boost::asio::io_context& io, const ClusterKey& key, std::vector<Endpoint> peers,
                                 Callbacks callbacks, std::chrono::milliseconds drop_log_interval)
    : socket_(io), key_(key), peers_(std::move(peers)), callbacks_(std::move(callbacks)), drops_(drop_log_interval) {}

HeartbeatSocket::~HeartbeatSocket() {
  *alive_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

Result<std::unique_ptr<HeartbeatSocket>> HeartbeatSocket::open(boost::asio::io_context& io, const Endpoint& local,
                                                               const ClusterKey& key, std::vector<Endpoint> peers,
                                                               Callbacks callbacks,
                                                               std::chrono::milliseconds drop_log_interval) {
  std::unique_ptr<HeartbeatSocket> s(
      new HeartbeatSocket(io, key, std::move(peers), std::move(callbacks), drop_log_interval));
  boost::system::error_code ec;
  s->socket_.open(local.protocol(), ec);
  if (!ec) s->socket_.bind(local, ec);
  if (ec)
    return fail(Errc::io_error, "cannot listen for heartbeats on UDP " + to_text(local) + ": " + ec.message() +
                                    " (is another agent using this port, or is the address not on this node?)");
  s->receive_next();
  return s;
}

HeartbeatSocket::Endpoint HeartbeatSocket::local_endpoint() const {
  boost::system::error_code ec;
  return socket_.local_endpoint(ec);
}

Status HeartbeatSocket::send(const HeartbeatMessage& message) {
  auto packet = encode(message, key_);
  Status first_error;
  for (const auto& peer : peers_) {
    boost::system::error_code ec;
    socket_.send_to(boost::asio::buffer(packet), peer, 0, ec);
    if (ec && first_error.ok())
      first_error = fail(Errc::io_error, "cannot send heartbeat of module " + message.module + " to " +
                                             to_text(peer) + ": " + ec.message());
  }
  return first_error;
}

Status HeartbeatSocket::send_to(const HeartbeatMessage& message, const Endpoint& peer) {
  auto packet = encode(message, key_);
  boost::system::error_code ec;
  socket_.send_to(boost::asio::buffer(packet), peer, 0, ec);
  if (ec)
    return fail(Errc::io_error, "cannot send heartbeat of module " + message.module + " to " + to_text(peer) + ": " +
                                    ec.message());
  return ok_status();
}

void HeartbeatSocket::receive_next() {
  std::weak_ptr<bool> alive = alive_;
  socket_.async_receive_from(boost::asio::buffer(buffer_), sender_,
                             [this, alive](const boost::system::error_code& ec, std::size_t size) {
                               if (alive.expired() || ec == boost::asio::error::operation_aborted) return;
                               // Any other error (e.g. ICMP port unreachable from an earlier send)
                               // concerns one datagram: keep listening.
                               if (!ec) handle_packet(size);
                               if (alive.expired()) return;
                               receive_next();
                             });
}

void HeartbeatSocket::handle_packet(std::size_t size) {
  auto from = to_text(sender_);
  auto decoded = decode_or_reject(std::span<const std::uint8_t>(buffer_.data(), size), key_);
  if (auto* why = std::get_if<HeartbeatRejection>(&decoded)) {
    count_drop(why->reason, "from " + from + ": " + why->detail);
    return;
  }
  auto& message = std::get<HeartbeatMessage>(decoded);
  if (callbacks_.admit) {
    auto admission = callbacks_.admit(message);
    switch (admission.outcome) {
      case HeartbeatAdmission::Outcome::drop:
        count_drop(admission.why.reason, "from " + from + ": " + admission.why.detail);
        return;
      case HeartbeatAdmission::Outcome::heard_again:
        if (callbacks_.on_heard_again) callbacks_.on_heard_again(message, sender_);
        return;
      case HeartbeatAdmission::Outcome::deliver:
        if (callbacks_.on_message) callbacks_.on_message(message, sender_);
        return;
    }
    return;
  }
  auto verdict = window_.admit(message);
  if (verdict == ReplayWindow::Verdict::replayed || verdict == ReplayWindow::Verdict::stale_boot) {
    count_drop(drop_reason(verdict), "from " + from + ": node " + message.sender_node + ", module " +
                                         message.module + ", sequence " + std::to_string(message.sequence) +
                                         ", boot started at " + std::to_string(message.boot.started_unix_ms) +
                                         " ms");
    return;
  }
  if (callbacks_.on_message) callbacks_.on_message(message, sender_);
}

void HeartbeatSocket::count_drop(DropReason reason, const std::string& detail) {
  auto line = drops_.record(reason, detail, now());
  if (line && callbacks_.on_drop_line) callbacks_.on_drop_line(*line);
}

void HeartbeatSocket::flush_drop_lines() {
  for (const auto& line : drops_.due(now()))
    if (callbacks_.on_drop_line) callbacks_.on_drop_line(line);
}

TimePoint HeartbeatSocket::now() const {
  return callbacks_.now ? callbacks_.now() : std::chrono::steady_clock::now();
}

}  // namespace haven
