// havend's end of the node-to-node command channel: accepts TCP connections on this node's
// addresses, one authenticated request per connection, and answers it signed.
//
// Every request is checked (remote_envelope.hpp) against the cluster key read from its file
// at each request, so a key installed or replaced while havend runs is used at once. Refused
// requests are counted and logged at a bounded rate, and answered with the reason's name
// only. Each connection is served on its own thread, at most kMaxConnections at once and
// kMaxPerSource from one address, so that one host cannot take every slot; a client must
// start sending within kFirstByteTimeout and finish its request within kRequestTimeout.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "control/control_message.hpp"
#include "remote/connection_slots.hpp"
#include "remote/nonce_cache.hpp"
#include "remote/reject_log.hpp"

namespace haven {

class RemoteServer {
 public:
  /// Answers an authenticated request; `sender` is the node that signed it.
  using Handler = std::function<ControlResponse(const ControlRequest& request, const std::string& sender)>;

  struct Settings {
    std::string node;                        ///< this node's name: signs the answers
    std::vector<std::string> addresses;      ///< where to listen (IP addresses or names)
    int port = 4800;
    std::filesystem::path key_file;          ///< the cluster key, read at each request
  };

  static constexpr int kMaxConnections = 32;
  static constexpr int kMaxPerSource = 8;
  static constexpr std::chrono::milliseconds kFirstByteTimeout{2000};
  static constexpr std::chrono::milliseconds kRequestTimeout{5000};
  static constexpr std::size_t kNonceCapacity = 100'000;

  explicit RemoteServer(std::shared_ptr<spdlog::logger> log);
  ~RemoteServer();
  RemoteServer(const RemoteServer&) = delete;
  RemoteServer& operator=(const RemoteServer&) = delete;

  /// Listens on every address (an error names the address that could not be bound, and
  /// nothing is left listening) and serves on a background thread.
  Status start(Settings settings, Handler handler);
  /// Stops accepting and waits for the requests in progress.
  void stop();

  /// The port actually bound (settings.port, or the one the system chose for port 0).
  int bound_port() const { return bound_port_; }

  /// Refusals of `reason` since start (for tests and diagnostics).
  std::uint64_t refused(RejectReason reason) const;

 private:
  struct Listener;
  void accept_next(Listener& listener);
  void serve(int fd, bool v6, const std::string& peer);
  void refuse(RejectReason reason, const std::string& detail, const std::string& peer);
  void refuse_connection(const std::string& peer, const std::string& why);

  std::shared_ptr<spdlog::logger> log_;
  Settings settings_;
  Handler handler_;
  struct Io;
  std::unique_ptr<Io> io_;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  ConnectionSlots slots_{kMaxConnections, kMaxPerSource};  ///< under mu_
  std::uint64_t busy_unlogged_ = 0;
  std::optional<RejectLog::Clock::time_point> busy_logged_;
  int bound_port_ = 0;
  NonceCache seen_;
  RejectLog rejects_;
};

}  // namespace haven
