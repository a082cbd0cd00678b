// A TDS 7.x server stand-in for the checker-tds tests, on 127.0.0.1 and a port the kernel
// picks: it answers FreeTDS's PRELOGIN (no encryption) and LOGIN7 with ENVCHANGE, LOGINACK
// and DONE when the user and password are the expected ones, and with ERROR 18456 and DONE
// otherwise; in silent mode it accepts connections and never says a word. One connection at
// a time, on a thread of its own, stopped and joined by the destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace haven::test {

/// What the stand-in read from one LOGIN7 message.
struct Login7Seen {
  std::uint32_t tds_version = 0;  ///< as the client sent it: 0x74000004 for TDS 7.4
  std::string user;
  std::string password;           ///< de-obfuscated
  std::string app;
};

class TdsStandin {
 public:
  enum class Mode { answering, silent };

  /// Listens at once; `user`/`password` are the only credentials it accepts.
  TdsStandin(Mode mode, std::string user, std::string password);
  ~TdsStandin();
  TdsStandin(const TdsStandin&) = delete;
  TdsStandin& operator=(const TdsStandin&) = delete;

  int port() const { return port_; }
  /// Every LOGIN7 received so far, in order.
  std::vector<Login7Seen> logins() const;
  /// How many PRELOGIN messages it received.
  int prelogins() const { return prelogins_.load(); }

 private:
  void serve();
  void serve_connection(int fd);

  Mode mode_;
  std::string user_;
  std::string password_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> prelogins_{0};
  mutable std::mutex mutex_;
  std::vector<Login7Seen> logins_;
  std::thread thread_;
};

/// The 16-bit little-endian text of TDS (UCS-2) from plain ASCII/UTF-8 without surrogates.
std::string ucs2(const std::string& text);

}  // namespace haven::test
