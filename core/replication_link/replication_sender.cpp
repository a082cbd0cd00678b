#include "replication_link/replication_sender.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

#include "replication_link/link_frames.hpp"

namespace haven::replication {
namespace {

namespace asio = boost::asio;

// Frames gathered into one TLS write: large enough to amortise the record overhead of small
// changes, small enough to keep the first byte of a batch from waiting long.
constexpr std::size_t kBatchBytes = 1 << 20;

std::string millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// Appends the change's frame. The data (last in the encoding, after its 32-bit length) is
// copied in one block: encode() appends byte by byte, which costs a fifth of the link's CPU
// on 1 MiB writes.
void append_frame(std::vector<std::byte>& batch, Change& change) {
  std::string data = std::move(change.data);
  change.data.clear();
  const auto head = encode(change);
  change.data = std::move(data);
  const std::size_t start = batch.size();
  const std::size_t frame_size = head.size() + change.data.size();
  batch.resize(start + kFrameHeaderSize + frame_size);
  std::byte* out = batch.data() + start;
  put_le(out, frame_size, kFrameHeaderSize);
  std::memcpy(out + kFrameHeaderSize, head.data(), head.size());
  put_le(out + kFrameHeaderSize + head.size() - 4, change.data.size(), 4);
  std::memcpy(out + kFrameHeaderSize + head.size(), change.data.data(), change.data.size());
}

}  // namespace

ReplicationSender::ReplicationSender(SenderOptions options, LostHandler lost_handler, std::shared_ptr<spdlog::logger> log,
                                     SecondaryLostNotice notice)
    : options_(std::move(options)),
      lost_handler_(std::move(lost_handler)),
      log_(log ? std::move(log) : spdlog::default_logger()),
      notice_(std::move(notice)),
      peer_(options_.address + ":" + std::to_string(options_.port)),
      acks_(options_.max_reply_bytes) {}

Result<std::unique_ptr<ReplicationSender>> ReplicationSender::connect(SenderOptions options, LostHandler lost_handler,
                                                                      std::shared_ptr<spdlog::logger> log, SecondaryLostNotice notice) {
  std::unique_ptr<ReplicationSender> sender(new ReplicationSender(std::move(options), std::move(lost_handler), std::move(log), std::move(notice)));
  if (auto st = sender->open_link(); !st.ok()) return std::move(st).error();
  return sender;
}

Status ReplicationSender::open_link() {
  auto psk = derive_link_psk(options_.key, options_.module);
  if (!psk.ok()) return std::move(psk).error();
  psk_ = std::move(*psk);
  auto tls = make_link_context(psk_, false);
  if (!tls.ok()) return std::move(tls).error();
  tls_ = std::move(*tls);
  stream_ = std::make_unique<TlsStream>(io_, *tls_);

  boost::system::error_code address_error;
  const auto address = asio::ip::make_address(options_.address, address_error);
  if (address_error)
    return fail(Errc::invalid_argument, "replication of module " + options_.module + ": '" + options_.address +
                                            "' is not an IP address; expected the secondary's address on the flow lan");
  // Run the connection and the handshake here, bounded by the timeout, before the link thread starts.
  boost::system::error_code connect_error = asio::error::would_block, handshake_error = asio::error::would_block;
  bool timed_out = false, done = false;
  asio::steady_timer timer(io_, options_.timeout);
  timer.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    boost::system::error_code ignored;
    stream_->lowest_layer().close(ignored);
  });
  stream_->lowest_layer().async_connect({address, options_.port}, [&](const boost::system::error_code& ec) {
    connect_error = ec;
    if (ec) {
      done = true;
      return;
    }
    stream_->lowest_layer().set_option(asio::ip::tcp::no_delay(true));
    stream_->async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& hec) {
      handshake_error = hec;
      done = true;
    });
  });
  while (!done) io_.run_one();
  timer.cancel();
  io_.poll();  // the cancelled timer's handler runs now, while what it refers to exists
  const std::string where = "replication link of module " + options_.module + " to the secondary at " + peer_;
  if (connect_error)
    return fail(timed_out ? Errc::timeout : Errc::io_error,
                "cannot open the " + where + ": " + (timed_out ? "no answer within " + millis(options_.timeout) : connect_error.message()) +
                    "; check that the secondary's agent runs and listens on that port");
  if (handshake_error) {
    const std::string why = timed_out ? "no TLS answer within " + millis(options_.timeout) : handshake_error.message();
    log_->error("{}: the TLS handshake failed ({}); the secondary does not hold this cluster's key or replicates another module",
                where, why);
    return fail(Errc::refused, "cannot open the " + where + ": the TLS handshake failed (" + why +
                                   "): the secondary does not hold this cluster's key, or replicates another module");
  }
  log_->info("{}: open (TLS 1.3, key of cluster {})", where, fingerprint_hex(options_.key));
  {
    std::lock_guard lock(mutex_);
    last_progress_ = last_heard_ = Clock::now();  // the handshake is the first thing heard
  }
  read_ack();
  if (options_.keepalive_interval.count() > 0) asio::post(io_, [this] { keep_alive(); });
  thread_ = std::thread([this] { io_.run(); });
  return ok_status();
}

ReplicationSender::~ReplicationSender() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;  // our own close is no loss of the secondary
  }
  asio::post(io_, [this] { close_stream(); });
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void ReplicationSender::close_stream() {
  if (closed_) return;
  closed_ = true;
  keepalive_timer_.cancel();
  boost::system::error_code ignored;
  stream_->lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_->lowest_layer().close(ignored);
}

void ReplicationSender::read_ack() {
  const auto space = acks_.space();
  asio::async_read(*stream_, asio::buffer(space.data(), space.size()), [this](const boost::system::error_code& ec, std::size_t n) {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    if (ec) {
      if (acks_.in_reply_body())
        declare_lost(ec == asio::error::eof ? "the secondary closed the link during an answer" : "the link broke: " + ec.message());
      else
        declare_lost(ec == asio::error::eof ? "the secondary closed the link" : "the link broke: " + ec.message());
      return;
    }
    if (lost_) return;
    auto message = acks_.commit(n);
    if (!message.ok()) {
      heard(false);  // a reply header, refused before its body is read
      declare_lost(message.error().message);
      return;
    }
    if (*message && !take_message(std::move(**message))) return;
    read_ack();
  });
}

bool ReplicationSender::take_message(SecondaryMessage message) {
  // A reply counts once its body is read; its header is heard but not counted.
  heard(message.kind != SecondaryMessageKind::reply_header);
  const bool awaited = message.kind == SecondaryMessageKind::reply && awaiting_replies_.contains(message.sequence) &&
                       !replies_.contains(message.sequence);
  if (auto checked = check_secondary_message(message, acked_, next_to_send_, awaited); !checked.ok()) {
    declare_lost(checked.error().message);
    return false;
  }
  switch (message.kind) {
    case SecondaryMessageKind::reply_header:
      return true;
    case SecondaryMessageKind::working:
      last_progress_ = Clock::now();
      changed_.notify_all();
      return true;
    case SecondaryMessageKind::acknowledgement:
      if (message.sequence > acked_) {
        acked_ = message.sequence;
        while (!unacked_.empty() && unacked_.front().change.sequence <= acked_) {
          bytes_in_flight_ -= unacked_.front().bytes;
          unacked_.pop_front();
        }
        last_progress_ = Clock::now();
        changed_.notify_all();
      }
      return true;
    case SecondaryMessageKind::reply: {
      Reply reply;
      reply.ok = message.status == 0;
      reply.answer = std::move(message.answer);
      replies_.emplace(message.sequence, std::move(reply));
      last_progress_ = Clock::now();
      changed_.notify_all();
      return true;
    }
  }
  return true;
}

void ReplicationSender::request_write() {
  if (write_requested_) return;
  write_requested_ = true;
  asio::post(io_, [this] { write_more(); });
}

void ReplicationSender::write_more() {
  if (writing_ || closed_) return;
  batch_.clear();
  {
    std::lock_guard lock(mutex_);
    write_requested_ = false;
    if (lost_) return;
    if (!unacked_.empty()) {
      auto at = unacked_.begin() + static_cast<std::ptrdiff_t>(next_to_send_ - unacked_.front().change.sequence);
      for (; at != unacked_.end() && batch_.size() < kBatchBytes; ++at) {
        if (at->control == ControlKind::none) {
          append_frame(batch_, at->change);
        } else if (at->control == ControlKind::keepalive) {
          // The echo as of now, not as of queueing: the fresher, the longer the secondary's lease.
          std::vector<std::byte> echo(kKeepaliveBodySize);
          put_le(echo.data(), heard_messages_, kKeepaliveBodySize);
          append_control_frame(batch_, at->control, at->change.sequence, echo);
        } else {
          append_control_frame(batch_, at->control, at->change.sequence, at->body);
        }
        ++next_to_send_;
      }
    }
  }
  if (batch_.empty()) return;
  writing_ = true;
  asio::async_write(*stream_, asio::buffer(batch_), [this](const boost::system::error_code& ec, std::size_t) {
    writing_ = false;
    if (ec) {
      std::lock_guard lock(mutex_);
      if (closing_) return;
      declare_lost("cannot send to the secondary: " + ec.message());
      return;
    }
    write_more();
  });
}

void ReplicationSender::declare_lost(const std::string& why) {
  if (lost_) return;
  lost_ = true;
  lost_reason_ = why;
  recorded_up_to_ = acked_;
  to_record_.reserve(unacked_.size());
  std::size_t unacknowledged = 0;
  for (auto& p : unacked_) {
    if (p.control == ControlKind::none) ++unacknowledged;
    to_record_.push_back(std::move(p));
  }
  unacked_.clear();
  bytes_in_flight_ = 0;
  std::string hold;
  if (options_.keepalive_interval.count() > 0) {
    acknowledge_recorded_from_ = last_heard_ + options_.timeout;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(acknowledge_recorded_from_ - Clock::now());
    if (left.count() > 0)
      hold = ", and acknowledged to the application only in " + millis(left) +
             " (the timeout after the secondary was last heard: its lease has run out by then)";
  }
  changed_.notify_all();
  const std::string message = "replication of module " + options_.module + ": the secondary at " + peer_ + " is lost (" + why +
                              "); " + std::to_string(unacknowledged) +
                              " unacknowledged changes and every later one are recorded for reintegration" + hold;
  asio::post(io_, [this, message, why] {
    close_stream();
    log_->warn("{}", message);
    if (notice_) notice_(why);
  });
}

ChangeSink::Ticket ReplicationSender::submit(Change change) {
  const std::size_t bytes = kFrameHeaderSize + change.path.size() + change.path2.size() + change.name.size() + change.data.size() + 80;
  std::unique_lock lock(mutex_);
  Pending pending;
  pending.change = std::move(change);
  pending.bytes = bytes;
  return queue_locked(std::move(pending), lock);
}

ChangeSink::Ticket ReplicationSender::queue_locked(Pending pending, std::unique_lock<std::mutex>& lock) {
  // Back-pressure: the file system waits here (bounded by the timeout) rather than the queue
  // growing without limit.
  while (!lost_ && !unacked_.empty() && bytes_in_flight_ + pending.bytes > options_.max_bytes_in_flight) {
    const auto deadline = last_progress_ + options_.timeout;
    if (Clock::now() >= deadline) {
      declare_lost("no acknowledgement for " + millis(options_.timeout) + " with " + std::to_string(bytes_in_flight_) + " bytes in flight");
      break;
    }
    changed_.wait_until(lock, deadline);
  }
  pending.change.sequence = next_sequence_++;
  const Ticket ticket = pending.change.sequence;
  if (lost_) {
    to_record_.push_back(std::move(pending));
    return ticket;
  }
  if (unacked_.empty()) last_progress_ = Clock::now();  // the acknowledgement clock starts now
  bytes_in_flight_ += pending.bytes;
  unacked_.push_back(std::move(pending));
  request_write();
  return ticket;
}

ChangeSink::Ticket ReplicationSender::submit_marker() {
  std::unique_lock lock(mutex_);
  Pending pending;
  pending.control = ControlKind::in_sync_marker;
  pending.bytes = kFrameHeaderSize + kControlHeadSize;
  return queue_locked(std::move(pending), lock);
}

Result<std::vector<std::byte>> ReplicationSender::request(std::vector<std::byte> body, const std::string& what) {
  const std::string where = "replication of module " + options_.module + ": asking the secondary at " + peer_ + " for " + what;
  if (body.size() + kControlHeadSize > kMaxFrameSize)
    return fail(Errc::invalid_argument, where + ": the request of " + std::to_string(body.size()) + " bytes is over the frame limit of " +
                                            std::to_string(kMaxFrameSize) + " bytes");
  std::unique_lock lock(mutex_);
  Pending pending;
  pending.control = ControlKind::request;
  pending.bytes = kFrameHeaderSize + kControlHeadSize + body.size();
  pending.body = std::move(body);
  const Ticket sequence = queue_locked(std::move(pending), lock);
  awaiting_replies_.insert(sequence);
  for (;;) {
    if (auto found = replies_.find(sequence); found != replies_.end()) {
      Reply reply = std::move(found->second);
      replies_.erase(found);
      awaiting_replies_.erase(sequence);
      if (reply.ok) return std::move(reply.answer);
      return fail(Errc::io_error, where + ": the secondary could not answer: " +
                                      std::string(reinterpret_cast<const char*>(reply.answer.data()), reply.answer.size()));
    }
    if (lost_) {
      awaiting_replies_.erase(sequence);
      return fail(Errc::io_error, where + ": the secondary was lost before it answered (" + lost_reason_ + ")");
    }
    const auto deadline = last_progress_ + options_.timeout;
    if (Clock::now() >= deadline) {
      declare_lost("no acknowledgement nor answer within " + millis(options_.timeout));
      continue;
    }
    changed_.wait_until(lock, deadline);
  }
}

Status ReplicationSender::wait(Ticket ticket) {
  std::unique_lock lock(mutex_);
  if (ticket == 0 || ticket >= next_sequence_)
    return fail(Errc::internal, "replication of module " + options_.module + ": wait for change #" + std::to_string(ticket) +
                                    " which was never submitted (a bug in the caller)");
  for (;;) {
    if (ticket <= acked_) return ok_status();
    if (!lost_) {
      const auto deadline = last_progress_ + options_.timeout;
      if (Clock::now() >= deadline) {
        declare_lost("no acknowledgement within " + millis(options_.timeout));
        continue;
      }
      changed_.wait_until(lock, deadline);
      continue;
    }
    if (ticket <= recorded_up_to_) {
      // The secondary lacks this change: it may still take over with what it has until its
      // lease has run out (README.md, "The lease").
      if (Clock::now() < acknowledge_recorded_from_) {
        changed_.wait_until(lock, acknowledge_recorded_from_);
        continue;
      }
      return ok_status();
    }
    if (record_error_) return *record_error_;
    if (recording_) {
      changed_.wait(lock);
      continue;
    }
    // This thread records every change waiting so far, in order, for itself and the others.
    recording_ = true;
    std::vector<Pending> taken;
    taken.swap(to_record_);
    const std::uint64_t first = taken.empty() ? 0 : taken.front().change.sequence;
    const std::uint64_t last = taken.empty() ? recorded_up_to_ : taken.back().change.sequence;
    std::vector<Change> batch;  // control frames mean nothing to the record
    batch.reserve(taken.size());
    for (auto& p : taken)
      if (p.control == ControlKind::none) batch.push_back(std::move(p.change));
    lock.unlock();
    Status recorded = batch.empty()  ? ok_status()
                      : lost_handler_ ? lost_handler_(batch)
                                      : Status(fail(Errc::internal, "no handler records changes while the secondary is lost"));
    lock.lock();
    recording_ = false;
    if (recorded.ok()) {
      recorded_up_to_ = std::max(recorded_up_to_, last);
    } else {
      record_error_ = fail(recorded.error().code, "replication of module " + options_.module + ": the secondary is lost (" + lost_reason_ +
                                                      ") and changes #" + std::to_string(first) + " to #" +
                                                      std::to_string(last) + " cannot be recorded for reintegration: " +
                                                      recorded.error().message);
      log_->error("{}", record_error_->message);
    }
    changed_.notify_all();
  }
}

bool ReplicationSender::wait_all_acknowledged() {
  std::unique_lock lock(mutex_);
  const std::uint64_t last = next_sequence_ - 1;
  for (;;) {
    if (acked_ >= last) return true;
    if (lost_) return false;
    const auto deadline = last_progress_ + options_.timeout;
    if (Clock::now() >= deadline) {
      declare_lost("no acknowledgement within " + millis(options_.timeout));
      return false;
    }
    changed_.wait_until(lock, deadline);
  }
}

bool ReplicationSender::lost() const {
  std::lock_guard lock(mutex_);
  return lost_;
}

std::string ReplicationSender::lost_reason() const {
  std::lock_guard lock(mutex_);
  return lost_reason_;
}

std::uint64_t ReplicationSender::acknowledged() const {
  std::lock_guard lock(mutex_);
  return acked_;
}

std::chrono::steady_clock::time_point ReplicationSender::acknowledge_recorded_from() const {
  std::lock_guard lock(mutex_);
  return acknowledge_recorded_from_;
}

void ReplicationSender::heard(bool counts) {
  last_heard_ = Clock::now();
  if (counts) ++heard_messages_;
}

void ReplicationSender::keep_alive() {
  std::lock_guard lock(mutex_);
  if (closing_ || lost_) return;
  const auto now = Clock::now();
  if (!unacked_.empty() && now >= last_progress_ + options_.timeout) {
    declare_lost("no acknowledgement within " + millis(options_.timeout) + ", keep-alives included");
    return;
  }
  if (now >= last_keepalive_ + options_.keepalive_interval) {
    // Sent busy or idle: the secondary's lease needs a fresh echo either way. Tiny, so it
    // bypasses back-pressure (this thread must never block).
    last_keepalive_ = now;
    Pending pending;
    pending.control = ControlKind::keepalive;
    pending.bytes = kFrameHeaderSize + kControlHeadSize + kKeepaliveBodySize;
    pending.change.sequence = next_sequence_++;
    if (unacked_.empty()) last_progress_ = now;
    bytes_in_flight_ += pending.bytes;
    unacked_.push_back(std::move(pending));
    request_write();
  }
  auto next = last_keepalive_ + options_.keepalive_interval;
  if (!unacked_.empty()) next = std::min(next, last_progress_ + options_.timeout);
  keepalive_timer_.expires_at(next);
  keepalive_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) keep_alive();
  });
}

}  // namespace haven::replication
