// Reading and writing one newline-terminated frame on a TCP socket with a deadline: the
// socket's io_context is run only for the time allowed, then the operation is cancelled.
// Used by both ends of the node-to-node command channel.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>

#include "haven/result.hpp"
#include "remote/nonce_cache.hpp"

namespace haven::remote_io {

/// One frame without its newline. timeout when it does not come in time, invalid_argument
/// when it exceeds kMaxRemoteFrameSize, io_error when the peer closes or the socket fails.
Result<std::string> read_frame(boost::asio::ip::tcp::socket& socket, boost::asio::io_context& io,
                               std::chrono::milliseconds timeout);

/// The same, but the first byte must come within `first_byte`: a client that connects and
/// says nothing gives its slot back sooner.
Result<std::string> read_frame(boost::asio::ip::tcp::socket& socket, boost::asio::io_context& io,
                               std::chrono::milliseconds timeout, std::chrono::milliseconds first_byte);

/// Writes `frame` and a newline; timeout or io_error.
Status write_frame(boost::asio::ip::tcp::socket& socket, boost::asio::io_context& io, const std::string& frame,
                   std::chrono::milliseconds timeout);

/// Connects to `address`:`port` (an IP address or a name to resolve). The error says why.
Status connect(boost::asio::ip::tcp::socket& socket, boost::asio::io_context& io, const std::string& address, int port,
               std::chrono::milliseconds timeout);

/// 16 bytes from OpenSSL's RAND_bytes.
Nonce random_nonce();

/// Milliseconds since the Unix epoch, from the system clock.
std::int64_t unix_now_ms();

}  // namespace haven::remote_io
