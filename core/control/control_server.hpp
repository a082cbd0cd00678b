// Serves a control socket: one request per connection, each handled on its own thread.
//
// The socket file is created with mode 0660 and, when the group exists, group `haven`, so
// that only root, the server's own user and members of that group can send commands.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "control/control_message.hpp"

namespace haven {

/// Who sent a request, from the kernel (SO_PEERCRED): for the audit log.
struct ControlPeer {
  int pid = -1;
  int uid = -1;
  int gid = -1;
};

class ControlServer {
 public:
  using Handler = std::function<ControlResponse(const ControlRequest&, const ControlPeer&)>;

  ControlServer() = default;
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Binds `socket` (replacing a stale file left by a dead server; refusing when another
  /// server still answers there) and starts accepting on a background thread.
  Status start(const std::filesystem::path& socket, Handler handler);
  /// Stops accepting, waits for requests in progress, removes the socket file.
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  std::filesystem::path path_;
  Handler handler_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  int active_ = 0;
};

}  // namespace haven
