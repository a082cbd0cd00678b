#include "black_hole_relay.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <array>

namespace haven::replication::testing {

namespace asio = boost::asio;

struct BlackHoleRelay::Pair {
  explicit Pair(asio::io_context& io) : client(io), target(io) {}
  asio::ip::tcp::socket client;
  asio::ip::tcp::socket target;
  std::array<char, 65536> to_target_buffer{};
  std::array<char, 65536> from_target_buffer{};
  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    target.close(ignored);
  }
};

BlackHoleRelay::BlackHoleRelay(std::uint16_t target_port) : target_port_(target_port) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

BlackHoleRelay::~BlackHoleRelay() {
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& pair : pairs_) pair->close();
    pairs_.clear();
  });
  thread_.join();  // returns once nothing is pending any more
}

void BlackHoleRelay::accept() {
  auto pair = std::make_shared<Pair>(io_);
  acceptor_.async_accept(pair->client, [this, pair](const boost::system::error_code& ec) {
    if (ec) return;  // closed
    boost::system::error_code connect_error;
    pair->target.connect({asio::ip::make_address("127.0.0.1"), target_port_}, connect_error);
    if (connect_error) {
      pair->close();
    } else {
      pairs_.push_back(pair);
      pump(pair, true);
      pump(pair, false);
    }
    accept();
  });
}

void BlackHoleRelay::pump(const std::shared_ptr<Pair>& pair, bool to_target) {
  auto& from = to_target ? pair->client : pair->target;
  auto& buffer = to_target ? pair->to_target_buffer : pair->from_target_buffer;
  from.async_read_some(asio::buffer(buffer), [this, pair, to_target](const boost::system::error_code& ec, std::size_t n) {
    const bool dropping = (to_target ? drop_to_target_ : drop_from_target_).load();
    if (ec) {
      if (!dropping) pair->close();  // a cut lan carries no end of connection either
      return;
    }
    if (dropping) {
      pump(pair, to_target);  // the bytes vanish; the sender's TCP saw them delivered
      return;
    }
    auto& to = to_target ? pair->target : pair->client;
    auto& data = to_target ? pair->to_target_buffer : pair->from_target_buffer;
    asio::async_write(to, asio::buffer(data.data(), n), [this, pair, to_target](const boost::system::error_code& wec, std::size_t) {
      if (wec) {
        pair->close();
        return;
      }
      pump(pair, to_target);
    });
  });
}

}  // namespace haven::replication::testing
