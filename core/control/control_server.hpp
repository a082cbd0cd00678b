// Serves a control socket: one request per connection, each handled on its own thread, at
// most Limits::max_connections at once (a connection over the limit is answered "busy" at
// once and closed), and the request must arrive whole within Limits::request_deadline, so
// slow or idle clients cannot pile up threads until thread creation fails.
//
// The socket file is created with mode 0660 and, when the group exists, group `haven`, so
// that only root, the server's own user and members of that group can send commands.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "control/control_message.hpp"

namespace haven {

/// Who sent a request, from the kernel (SO_PEERCRED): for the audit log.
struct ControlPeer {
  int pid = -1;
  int uid = -1;
  int gid = -1;
};

struct ControlServerLimits {
  int max_connections = 64;
  std::chrono::milliseconds request_deadline{10'000};  ///< to receive the whole request line
};

class ControlServer {
 public:
  using Handler = std::function<ControlResponse(const ControlRequest&, const ControlPeer&)>;
  using Limits = ControlServerLimits;

  ControlServer() = default;
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Binds `socket` (replacing a stale file left by a dead server; refusing when another
  /// server still answers there) and starts accepting on a background thread.
  Status start(const std::filesystem::path& socket, Handler handler, Limits limits = {});
  /// Stops accepting, waits for requests in progress, removes the socket file.
  void stop();

 private:
  void accept_loop();
  void serve(int fd);
  void refuse_busy(int fd, const std::string& why);

  std::filesystem::path path_;
  Handler handler_;
  Limits limits_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  int active_ = 0;
};

}  // namespace haven
