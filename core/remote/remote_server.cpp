#include "remote/remote_server.hpp"

#include <algorithm>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <exception>
#include <system_error>

#include "common/log_text.hpp"
#include "remote/frame_io.hpp"
#include "remote/remote_envelope.hpp"

namespace haven {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto kWriteTimeout = std::chrono::seconds(10);
}  // namespace

struct RemoteServer::Listener {
  explicit Listener(asio::io_context& io) : acceptor(io) {}
  asio::ip::tcp::acceptor acceptor;
  std::string where;
};

struct RemoteServer::Io {
  asio::io_context context;
  std::vector<std::unique_ptr<Listener>> listeners;
};

RemoteServer::RemoteServer(std::shared_ptr<spdlog::logger> log)
    : log_(std::move(log)), seen_(kClockToleranceMs, kNonceCapacity) {}

RemoteServer::~RemoteServer() { stop(); }

Status RemoteServer::start(Settings settings, Handler handler) {
  settings_ = std::move(settings);
  handler_ = std::move(handler);
  auto io = std::make_unique<Io>();
  std::vector<asio::ip::tcp::endpoint> bound;
  for (const auto& address : settings_.addresses) {
    const std::string where = address + ":" + std::to_string(settings_.port);
    error_code ec;
    asio::ip::tcp::resolver resolver(io->context);
    auto resolved = resolver.resolve(address, std::to_string(settings_.port), asio::ip::tcp::resolver::passive, ec);
    if (ec || resolved.empty())
      return fail(Errc::not_found, "remote commands: cannot resolve this node's address " + address + ": " + ec.message());
    const auto endpoint = resolved.begin()->endpoint();
    // One node written as a name on one lan and as its address on another: one socket.
    if (std::find(bound.begin(), bound.end(), endpoint) != bound.end()) continue;
    bound.push_back(endpoint);
    auto listener = std::make_unique<Listener>(io->context);
    listener->where = where;
    listener->acceptor.open(endpoint.protocol(), ec);
    if (!ec) listener->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) listener->acceptor.bind(endpoint, ec);
    if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return fail(Errc::io_error, "remote commands: cannot listen on TCP " + where + ": " + ec.message() +
                                      " (another program on that port? change <lans port=...> in cluster.xml on every node)");
    bound_port_ = listener->acceptor.local_endpoint().port();
    io->listeners.push_back(std::move(listener));
  }
  io_ = std::move(io);
  for (auto& l : io_->listeners) accept_next(*l);
  acceptor_ = std::thread([this] {
    // A handler's exception must not terminate havend: log it and keep accepting.
    for (;;) {
      try {
        io_->context.run();
        return;
      } catch (const std::exception& e) {
        log_->error("remote commands: accepting a connection failed: {}; still listening", e.what());
      }
    }
  });
  return {};
}

void RemoteServer::accept_next(Listener& listener) {
  listener.acceptor.async_accept([this, &listener](const error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      // The error_code overloads: a client may reset between the handshake and accept(),
      // leaving a socket with no peer, and an exception here would end havend.
      error_code peer_ec;
      const auto remote = socket.remote_endpoint(peer_ec);
      if (!peer_ec) {
        const std::string peer = remote.address().to_string();
        const bool v6 = remote.address().is_v6();
        std::unique_lock lock(mu_);
        if (auto refused = slots_.take(peer)) {
          lock.unlock();
          refuse_connection(peer, *refused);
        } else {
          lock.unlock();
          const int fd = socket.release();
          try {
            std::thread([this, fd, v6, peer] { serve(fd, v6, peer); }).detach();
          } catch (const std::system_error& e) {
            // Out of threads: refuse this connection, keep the slot accounting right.
            ::close(fd);
            {
              std::lock_guard relock(mu_);
              slots_.give_back(peer);
              idle_.notify_all();
            }
            refuse_connection(peer, std::string("no thread to serve it: ") + e.what());
          }
        }
      }
    }
    accept_next(listener);
  });
}

void RemoteServer::refuse_connection(const std::string& peer, const std::string& why) {
  std::lock_guard lock(mu_);
  ++busy_unlogged_;
  const auto now = RejectLog::Clock::now();
  // A flood of connections must not flood the log: one line a minute with the count.
  if (busy_logged_ && now - *busy_logged_ < std::chrono::seconds(60)) return;
  log_->warn("remote commands: closed {} new connection(s) without reading them: {}; latest from {}", busy_unlogged_,
             why, peer);
  busy_unlogged_ = 0;
  busy_logged_ = now;
}

void RemoteServer::stop() {
  if (!io_) return;
  asio::post(io_->context, [this] {
    for (auto& l : io_->listeners) {
      error_code ignored;
      l->acceptor.close(ignored);
    }
  });
  if (acceptor_.joinable()) acceptor_.join();
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return slots_.active() == 0; });
  lock.unlock();
  io_.reset();
}

std::uint64_t RemoteServer::refused(RejectReason reason) const {
  std::lock_guard lock(mu_);
  return rejects_.total(reason);
}

void RemoteServer::refuse(RejectReason reason, const std::string& detail, const std::string& peer) {
  std::lock_guard lock(mu_);
  if (auto line = rejects_.record(reason, detail + " (connection from " + peer + ")", RejectLog::Clock::now()))
    log_->warn("{}", *line);
}

void RemoteServer::serve(int fd, bool v6, const std::string& peer) {
  try {
    asio::io_context io;
    asio::ip::tcp::socket socket(io, v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd);
    auto frame = remote_io::read_frame(socket, io, kRequestTimeout, kFirstByteTimeout);
    if (!frame.ok()) {
      const auto reason = frame.error().code == Errc::invalid_argument ? RejectReason::oversized : RejectReason::malformed;
      refuse(reason, frame.error().message, peer);
      if (reason == RejectReason::oversized) (void)remote_io::write_frame(socket, io, rejection_frame(reason), kWriteTimeout);
    } else if (auto key = load_cluster_key(settings_.key_file); !key.ok()) {
      refuse(RejectReason::no_key, key.error().message, peer);
      (void)remote_io::write_frame(socket, io, rejection_frame(RejectReason::no_key), kWriteTimeout);
    } else {
      OpenResult opened = [&] {
        std::lock_guard lock(mu_);
        return open_request(*frame, *key, settings_.node, remote_io::unix_now_ms(), seen_);
      }();
      if (auto* why = std::get_if<EnvelopeRejection>(&opened)) {
        refuse(why->reason, why->detail, peer);
        (void)remote_io::write_frame(socket, io, rejection_frame(why->reason), kWriteTimeout);
      } else {
        const auto& request = std::get<OpenedEnvelope>(opened);
        auto parsed = ControlRequest::parse(request.body);
        ControlResponse answer = parsed.ok() ? handler_(*parsed, request.sender) : ControlResponse::failure(parsed.error());
        auto sealed = seal_response(answer.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                    settings_.node, request.sender, request.nonce, *key, remote_io::unix_now_ms(),
                                    remote_io::random_nonce());
        if (!sealed.ok()) {
          auto too_big = ControlResponse::failure(fail(Errc::internal, "node " + settings_.node + ": " + sealed.error().message));
          sealed = seal_response(too_big.to_json().dump(), settings_.node, request.sender, request.nonce, *key,
                                 remote_io::unix_now_ms(), remote_io::random_nonce());
        }
        if (sealed.ok()) {
          if (auto st = remote_io::write_frame(socket, io, *sealed, kWriteTimeout); !st.ok())
            log_->warn("remote commands: could not answer node {} at {}: {}", log_text(request.sender), peer,
                       st.error().message);
        }
      }
    }
  } catch (const std::exception& e) {
    log_->error("remote commands: serving a connection failed: {}", e.what());
  }
  std::lock_guard lock(mu_);
  slots_.give_back(peer);
  idle_.notify_all();
}

}  // namespace haven
