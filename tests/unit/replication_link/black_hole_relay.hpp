// A loopback TCP relay for link tests that can turn into a black hole: bytes stop getting
// through (dropped on arrival), one way or both, while every connection stays open, as when
// a lan is cut between two live nodes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace haven::replication::testing {

class BlackHoleRelay {
 public:
  /// Listens on 127.0.0.1 (a free port, see port()) and relays each connection to
  /// 127.0.0.1:target_port.
  explicit BlackHoleRelay(std::uint16_t target_port);
  ~BlackHoleRelay();
  BlackHoleRelay(const BlackHoleRelay&) = delete;
  BlackHoleRelay& operator=(const BlackHoleRelay&) = delete;

  std::uint16_t port() const { return port_; }
  /// From now on, what the connecting side sends is dropped.
  void drop_to_target() { drop_to_target_ = true; }
  /// From now on, what the target sends back is dropped.
  void drop_from_target() { drop_from_target_ = true; }

 private:
  struct Pair;
  void accept();
  void pump(const std::shared_ptr<Pair>& pair, bool to_target);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  std::atomic<bool> drop_to_target_{false};
  std::atomic<bool> drop_from_target_{false};
  std::vector<std::shared_ptr<Pair>> pairs_;  // io thread
  std::thread thread_;
};

}  // namespace haven::replication::testing
