#include "replication_link/replication_receiver.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <cstring>
#include <utility>

#include "reintegration/tolerant_apply.hpp"
#include "replication_link/link_frames.hpp"
#include "replication_link/receiver_frame_reader.hpp"

namespace haven::replication {
namespace {

namespace asio = boost::asio;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

constexpr std::size_t kReadChunk = ReceiverFrameReader::kReadChunk;
// Messages sent within this of the first of a run share its sending time: the lease is then
// at most this much shorter, and the record of sending times stays small on a busy link.
constexpr auto kLeaseGranularity = std::chrono::milliseconds(10);

}  // namespace

struct ReplicationReceiver::Session {
  Session(asio::io_context& io, asio::ssl::context& tls) : stream(io, tls), timer(io), working_timer(io), silence_timer(io) {}
  TlsStream stream;
  asio::steady_timer timer;
  asio::steady_timer working_timer;  // "working" notices while a request is being answered
  asio::steady_timer silence_timer;  // the lease
  /// When this secondary sent the latest message a keep-alive confirmed the primary read:
  /// anything the primary heard from us was sent no earlier (see README.md, "The lease").
  std::chrono::steady_clock::time_point lease_from;
  std::uint64_t messages_sent = 0;
  /// (first message of a run, when it was sent), oldest first, trimmed as keep-alives confirm.
  std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> sent_at;
  bool working = false;
  std::deque<std::vector<std::byte>> outgoing;  // answers and notices, before acknowledgements
  std::vector<std::byte> out_buffer;
  std::string peer;
  std::uint64_t id = 0;
  ReceiverFrameReader frames;  // the stream's bytes, read into frames and checked
  std::uint64_t ack_target = 0;
  std::uint64_t ack_sent = 0;
  std::array<std::byte, kAckSize> ack_buffer{};
  bool ack_writing = false;
  bool reading = false;
  bool paused = false;
  bool ended = false;

  void close() {
    working_timer.cancel();
    silence_timer.cancel();
    boost::system::error_code ignored;
    stream.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream.lowest_layer().close(ignored);
  }
};

ReplicationReceiver::ReplicationReceiver(ReceiverOptions options, int dir_fd, std::shared_ptr<spdlog::logger> log, StreamEnded ended)
    : options_(std::move(options)), dir_fd_(dir_fd), log_(log ? std::move(log) : spdlog::default_logger()), ended_(std::move(ended)) {}

Result<std::unique_ptr<ReplicationReceiver>> ReplicationReceiver::start(ReceiverOptions options, int dir_fd,
                                                                        std::shared_ptr<spdlog::logger> log, StreamEnded ended) {
  std::unique_ptr<ReplicationReceiver> receiver(new ReplicationReceiver(std::move(options), dir_fd, std::move(log), std::move(ended)));
  if (auto st = receiver->listen(); !st.ok()) return std::move(st).error();
  receiver->accept();
  receiver->link_thread_ = std::thread([r = receiver.get()] { r->io_.run(); });
  receiver->apply_thread_ = std::thread([r = receiver.get()] { r->apply_loop(); });
  return receiver;
}

Status ReplicationReceiver::listen() {
  const std::string where = "the replication link of module " + options_.module + " on " + options_.address + ":" + std::to_string(options_.port);
  auto psk = derive_link_psk(options_.key, options_.module);
  if (!psk.ok()) return std::move(psk).error();
  psk_ = std::move(*psk);
  auto tls = make_link_context(psk_, true);
  if (!tls.ok()) return std::move(tls).error();
  tls_ = std::move(*tls);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return fail(Errc::invalid_argument, "cannot listen for " + where + ": '" + options_.address + "' is not an IP address");
  const asio::ip::tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Errc::io_error, "cannot listen for " + where + ": " + ec.message() +
                                    "; another program (or another module with the same id) may hold the port");
  port_ = acceptor_.local_endpoint().port();
  log_->info("replication of module {}: listening on {}:{} for the primary", options_.module, options_.address, port_);
  return ok_status();
}

ReplicationReceiver::~ReplicationReceiver() {
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (session_) {
      session_->ended = true;
      session_->close();
      session_.reset();
    }
    for (auto& pending : pending_) {
      pending->ended = true;
      pending->close();
    }
    pending_.clear();
  });
  work_.reset();
  if (link_thread_.joinable()) link_thread_.join();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  if (apply_thread_.joinable()) apply_thread_.join();
}

void ReplicationReceiver::accept() {
  auto session = std::make_shared<Session>(io_, *tls_);
  acceptor_.async_accept(session->stream.lowest_layer(), [this, session](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      log_->warn("replication of module {}: accepting a connection failed: {}", options_.module, ec.message());
      accept();
      return;
    }
    boost::system::error_code peer_error;
    const auto remote = session->stream.lowest_layer().remote_endpoint(peer_error);
    session->peer = peer_error ? "an unknown address" : remote.address().to_string() + ":" + std::to_string(remote.port());
    session->frames.set_peer(session->peer);
    accept();
    // The primary's place is taken only once the handshake proves the key: an unauthenticated
    // connection must not hold it. Handshakes wait apart, a bounded few, the oldest dropped.
    if (pending_.size() >= kMaxPendingHandshakes) {
      auto oldest = pending_.front();
      pending_.pop_front();
      ++dropped_unlogged_;
      // At most a line a minute: a flood of connections must not flood the log.
      if (!dropped_logged_ || Clock::now() - *dropped_logged_ >= std::chrono::minutes(1)) {
        log_->warn("replication of module {}: {} connections are in their TLS handshake: dropped {} oldest, latest from {}",
                   options_.module, kMaxPendingHandshakes, dropped_unlogged_, oldest->peer);
        dropped_unlogged_ = 0;
        dropped_logged_ = Clock::now();
      }
      oldest->ended = true;
      oldest->close();
    }
    pending_.push_back(session);
    boost::system::error_code ignored;
    session->stream.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
    session->lease_from = Clock::now();  // the primary hears the handshake after it starts
    session->timer.expires_after(std::min(options_.handshake_timeout, kMaxHandshakeTime));
    session->timer.async_wait([session](const boost::system::error_code& tec) {
      if (!tec) session->close();
    });
    session->stream.async_handshake(asio::ssl::stream_base::server, [this, session](const boost::system::error_code& hec) {
      session->timer.cancel();
      std::erase(pending_, session);
      if (session->ended) return;  // pushed out by newer connections, or the receiver stops
      if (hec) {
        log_->warn("replication of module {}: refused a connection from {}: the TLS handshake failed ({}); that node does not hold "
                   "this cluster's key, or replicates another module",
                   options_.module, session->peer, hec.message());
        session->ended = true;
        session->close();
        return;
      }
      if (session_) {
        log_->warn("replication of module {}: refused a connection from {}: the primary {} is already connected (one primary at a time)",
                   options_.module, session->peer, session_->peer);
        session->ended = true;
        session->close();
        return;
      }
      session_ = session;
      session->id = ++stream_count_;
      log_->info("replication of module {}: the primary {} connected", options_.module, session->peer);
      if (options_.silence_timeout.count() > 0) watch_silence(session);
      read_more(session);
    });
  });
}

void ReplicationReceiver::read_more(const std::shared_ptr<Session>& session) {
  if (session->ended || session->reading || session->paused) return;
  const auto space = session->frames.space(kReadChunk);
  session->reading = true;
  session->stream.async_read_some(
      asio::buffer(space.data(), space.size()),
      [this, session](const boost::system::error_code& ec, std::size_t n) {
        session->reading = false;
        if (session->ended) return;
        if (ec) {
          const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
          end_stream(session, fail(Errc::io_error, "the replication link of module " + options_.module + " from the primary " + session->peer +
                                                       (closed ? " was closed" : " broke: " + ec.message()) + " after change #" +
                                                       std::to_string(session->frames.expected() - 1)));
          return;
        }
        session->frames.commit(n);
        take_frames(session);
      });
}

void ReplicationReceiver::take_frames(const std::shared_ptr<Session>& session) {
  std::vector<Queued> batch;
  for (;;) {
    auto frame = session->frames.decode_next();
    if (!frame.ok()) {
      end_stream(session, frame.error());
      return;
    }
    if (!*frame) break;
    ReceivedFrame& received = **frame;
    // At receipt, not when applied: the lease is about the link, whatever the disk does.
    if (received.control == ControlKind::keepalive && !renew_lease(session, get_le(received.body.data(), kKeepaliveBodySize))) return;
    if (auto in_order = session->frames.check_sequence(received); !in_order.ok()) {
      end_stream(session, in_order.error());
      return;
    }
    Queued queued;
    queued.change = std::move(received.change);
    queued.bytes = received.bytes;
    queued.stream = session->id;
    queued.control = received.control;
    queued.body = std::move(received.body);
    batch.push_back(std::move(queued));
  }
  session->frames.compact();
  if (!batch.empty()) {
    const std::uint64_t last = batch.back().change.sequence;
    {
      std::lock_guard lock(mutex_);
      for (auto& q : batch) {
        queued_bytes_ += q.bytes;
        queue_.push_back(std::move(q));
      }
      if (ReceiveQueueBounds{options_.max_queued_bytes, options_.max_queued_changes}.pause(queued_bytes_, queue_.size())) {
        session->paused = true;
        reading_paused_ = true;
      }
    }
    queue_changed_.notify_all();
    if (options_.ack_mode == AckMode::on_receipt) {
      session->ack_target = last;
      send_ack(session);
    }
  }
  read_more(session);
}

void ReplicationReceiver::send_ack(const std::shared_ptr<Session>& session) {
  if (session->ended || session->ack_writing) return;
  if (!session->outgoing.empty()) {
    session->out_buffer = std::move(session->outgoing.front());
    session->outgoing.pop_front();
  } else if (session->ack_target > session->ack_sent) {
    session->ack_sent = session->ack_target;
    session->out_buffer.resize(kAckSize);
    put_le(session->out_buffer.data(), session->ack_sent, kAckSize);
  } else {
    return;
  }
  // The sending time, not the completion: the primary cannot read a message before it is sent.
  const auto now = Clock::now();
  ++session->messages_sent;
  if (session->sent_at.empty() || now - session->sent_at.back().second >= kLeaseGranularity)
    session->sent_at.emplace_back(session->messages_sent, now);
  session->ack_writing = true;
  asio::async_write(session->stream, asio::buffer(session->out_buffer), [this, session](const boost::system::error_code& ec, std::size_t) {
    session->ack_writing = false;
    if (session->ended) return;
    if (ec) {
      end_stream(session, fail(Errc::io_error, "cannot acknowledge change #" + std::to_string(session->ack_sent) + " to the primary " +
                                                   session->peer + ": " + ec.message()));
      return;
    }
    send_ack(session);
  });
}

void ReplicationReceiver::keep_working_notices(const std::shared_ptr<Session>& session) {
  if (session->ended || !session->working) return;
  const auto every = std::max(std::chrono::milliseconds(50), options_.handshake_timeout / 4);
  session->working_timer.expires_after(every);
  session->working_timer.async_wait([this, session](const boost::system::error_code& ec) {
    if (ec || session->ended || !session->working) return;
    std::vector<std::byte> notice(kAckSize);
    put_le(notice.data(), kReplyFlag | (static_cast<std::uint64_t>(ReplyKind::working) << 32), kAckSize);
    session->outgoing.push_back(std::move(notice));
    send_ack(session);
    keep_working_notices(session);
  });
}

bool ReplicationReceiver::renew_lease(const std::shared_ptr<Session>& session, std::uint64_t echo) {
  if (echo > session->messages_sent) {
    end_stream(session, fail(Errc::invalid_argument, "the primary " + session->peer + " confirmed " + std::to_string(echo) +
                                                         " messages from this secondary, which sent " + std::to_string(session->messages_sent) +
                                                         "; the link is stopped"));
    return false;
  }
  auto& sent = session->sent_at;
  while (sent.size() >= 2 && sent[1].first <= echo) sent.pop_front();
  if (!sent.empty() && sent.front().first <= echo) session->lease_from = std::max(session->lease_from, sent.front().second);
  return true;
}

void ReplicationReceiver::watch_silence(const std::shared_ptr<Session>& session) {
  if (session->ended) return;
  const auto expires = session->lease_from + options_.silence_timeout;
  if (Clock::now() >= expires) {
    end_stream(session, fail(Errc::timeout, "nothing came from the primary " + session->peer + " for " +
                                                std::to_string(options_.silence_timeout.count()) + " ms on " + options_.address + ":" +
                                                std::to_string(port_) +
                                                " to show that it still hears this secondary (its keep-alives stopped or do not echo "
                                                "what this secondary sent: the replication lan is cut, or the primary hangs); the "
                                                "stream is ended before the primary may acknowledge changes this secondary lacks"));
    return;
  }
  session->silence_timer.expires_at(expires);
  session->silence_timer.async_wait([this, session](const boost::system::error_code& ec) {
    if (!ec) watch_silence(session);
  });
}

Status ReplicationReceiver::answer_request(const Queued& q) {
  const std::uint64_t stream = q.stream;
  asio::post(io_, [this, stream] {
    if (!session_ || session_->id != stream) return;
    session_->working = true;
    keep_working_notices(session_);
  });
  Result<std::vector<std::byte>> answer =
      options_.on_request ? options_.on_request(q.body)
                          : Result<std::vector<std::byte>>(fail(Errc::refused, "this secondary answers no requests"));
  if (answer.ok() && answer->size() > options_.max_reply_bytes)
    answer = fail(Errc::invalid_argument, "the answer of " + std::to_string(answer->size()) + " bytes is over the limit of " +
                                              std::to_string(options_.max_reply_bytes) + " bytes");
  std::vector<std::byte> reply(kAckSize + kReplyHeadSize);
  if (answer.ok()) {
    reply.insert(reply.end(), answer->begin(), answer->end());
  } else {
    log_->warn("replication of module {}: cannot answer the primary's request #{}: {}", options_.module, q.change.sequence,
               answer.error().message);
    const std::string& message = answer.error().message;
    const auto* bytes = reinterpret_cast<const std::byte*>(message.data());
    reply.insert(reply.end(), bytes, bytes + message.size());
  }
  const std::size_t length = reply.size() - kAckSize;
  put_le(reply.data(), kReplyFlag | (static_cast<std::uint64_t>(ReplyKind::reply) << 32) | length, kAckSize);
  put_le(reply.data() + kAckSize, q.change.sequence, 8);
  reply[kAckSize + 8] = static_cast<std::byte>(answer.ok() ? 0 : 1);
  asio::post(io_, [this, stream, reply = std::move(reply)]() mutable {
    if (!session_ || session_->id != stream) return;
    session_->working = false;
    session_->working_timer.cancel();
    session_->outgoing.push_back(std::move(reply));
    send_ack(session_);
  });
  return ok_status();
}

void ReplicationReceiver::end_stream(const std::shared_ptr<Session>& session, const Error& why) {
  if (session->ended) return;
  session->ended = true;
  session->close();
  if (session_ == session) session_.reset();
  log_->warn("replication of module {}: {}", options_.module, why.message);
  if (ended_) ended_(why);
}

void ReplicationReceiver::apply_loop() {
  ApplierOptions applier_options;
  applier_options.keep_setid = options_.keep_setid;
  applier_options.keep_devices = options_.keep_devices;
  std::size_t withheld = 0;
  applier_options.on_withheld = [&](const Change& c, const char* what) {
    // Ten lines tell the administrator; a tree full of them must not flood the log.
    if (++withheld > 10) return;
    log_->warn("replication of module {}: {} of {} not kept on this secondary ({}){}", options_.module, what,
               printable_path(c.path), std::string_view(what).starts_with("set") ? "<rfs setid=\"on\"> keeps them" : "<rfs devices=\"on\"> creates it",
               withheld == 10 ? "; further ones are not logged" : "");
  };
  Applier applier(dir_fd_, std::move(applier_options));
  std::uint64_t current_stream = 0;
  bool tolerant = false;  // until the current stream's in-sync marker
  std::unique_lock lock(mutex_);
  for (;;) {
    queue_changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    if (q.stream == failed_stream_) {
      queued_bytes_ -= q.bytes;
      queue_changed_.notify_all();
      continue;
    }
    applying_ = true;
    lock.unlock();
    if (q.stream != current_stream) {
      applier.close_open_files();
      current_stream = q.stream;
      tolerant = options_.tolerant_until_marker;
    }
    Status applied = ok_status();
    if (q.control == ControlKind::in_sync_marker) {
      tolerant = false;
      applier.close_open_files();
      if (options_.on_in_sync_marker) options_.on_in_sync_marker();
    } else if (q.control == ControlKind::request) {
      applied = answer_request(q);
    } else if (q.control == ControlKind::keepalive) {
      // Nothing to apply: acknowledged in order like the rest (after_apply: once applied).
    } else if (q.change.kind == ChangeKind::fsync && options_.ack_mode == AckMode::on_receipt) {
      // async="second" promises the change is here, received, not on this node's disk: a
      // flush per application fsync would make the queue of received changes (all of which
      // must be written before this node may take over) grow by a disk flush each.
    } else if (tolerant) {
      auto outcome = reintegration::apply_while_reintegrating(applier, dir_fd_, q.change);
      if (!outcome.ok()) applied = std::move(outcome).error();
    } else {
      applied = applier.apply(q.change);
    }
    lock.lock();
    applying_ = false;
    queued_bytes_ -= q.bytes;
    const bool resume =
        reading_paused_ && ReceiveQueueBounds{options_.max_queued_bytes, options_.max_queued_changes}.resume(queued_bytes_, queue_.size());
    if (resume) reading_paused_ = false;
    queue_changed_.notify_all();
    if (!applied.ok()) {
      failed_stream_ = q.stream;
      Error why = fail(applied.error().code, applied.error().message + "; the link is stopped and this secondary is not up to date");
      asio::post(io_, [this, stream = q.stream, why] {
        if (session_ && session_->id == stream) {
          end_stream(session_, why);
          return;
        }
        // The stream had ended already (the primary closed it after this change).
        log_->error("replication of module {}: {}", options_.module, why.message);
        if (ended_) ended_(why);
      });
      continue;
    }
    applied_ = q.change.sequence;
    if (options_.ack_mode == AckMode::after_apply || resume) {
      asio::post(io_, [this, stream = q.stream, sequence = q.change.sequence, resume] {
        if (!session_ || session_->id != stream) return;
        if (options_.ack_mode == AckMode::after_apply) {
          session_->ack_target = std::max(session_->ack_target, sequence);
          send_ack(session_);
        }
        if (resume && session_->paused) {
          session_->paused = false;
          read_more(session_);
        }
      });
    }
  }
}

bool ReplicationReceiver::drain(std::chrono::milliseconds stall) {
  std::unique_lock lock(mutex_);
  for (;;) {
    const std::size_t left = queue_.size();
    if (queue_changed_.wait_for(lock, stall, [&] { return queue_.empty() && !applying_; })) return true;
    if (queue_.size() >= left) return false;  // nothing written for `stall`: the disk is stuck
  }
}

bool ReplicationReceiver::wait_until_applied(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return queue_changed_.wait_for(lock, timeout, [&] { return queue_.empty() && !applying_; });
}

}  // namespace haven::replication
