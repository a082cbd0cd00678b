#include "remote/frame_io.hpp"

#include <openssl/rand.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <stdexcept>

#include "remote/remote_envelope.hpp"

namespace haven::remote_io {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Runs `io` until `done` or the deadline; on the deadline closes the socket so the pending
// operation completes (with operation_aborted) before we return. True when done in time.
template <typename Done>
bool run_with_deadline(asio::io_context& io, asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout, Done done) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_until(deadline) == 0 && io.stopped()) break;
  }
  if (done()) return true;
  error_code ignored;
  socket.close(ignored);
  io.restart();
  io.run();
  return false;
}

}  // namespace

Result<std::string> read_frame(asio::ip::tcp::socket& socket, asio::io_context& io, std::chrono::milliseconds timeout) {
  asio::streambuf buffer(kMaxRemoteFrameSize + 1);
  bool finished = false;
  error_code result;
  std::size_t length = 0;
  asio::async_read_until(socket, buffer, '\n', [&](const error_code& ec, std::size_t n) {
    finished = true;
    result = ec;
    length = n;
  });
  if (!run_with_deadline(io, socket, timeout, [&] { return finished; }))
    return fail(Errc::timeout, "no complete message within " + std::to_string(timeout.count() / 1000) + " s");
  if (result == asio::error::not_found)
    return fail(Errc::invalid_argument, "a message longer than " + std::to_string(kMaxRemoteFrameSize) + " bytes");
  if (result == asio::error::eof) return fail(Errc::io_error, "the connection was closed before a whole message came");
  if (result) return fail(Errc::io_error, result.message());
  std::string frame(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(length - 1));
  return frame;
}

Result<std::string> read_frame(asio::ip::tcp::socket& socket, asio::io_context& io, std::chrono::milliseconds timeout,
                               std::chrono::milliseconds first_byte) {
  const auto start = std::chrono::steady_clock::now();
  bool finished = false;
  error_code result;
  socket.async_wait(asio::socket_base::wait_read, [&](const error_code& ec) {
    finished = true;
    result = ec;
  });
  if (!run_with_deadline(io, socket, std::min(first_byte, timeout), [&] { return finished; }))
    return fail(Errc::timeout, "nothing received within " + std::to_string(std::min(first_byte, timeout).count()) + " ms");
  if (result) return fail(Errc::io_error, result.message());
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return read_frame(socket, io, std::max(timeout - spent, std::chrono::milliseconds(1)));
}

Status write_frame(asio::ip::tcp::socket& socket, asio::io_context& io, const std::string& frame,
                   std::chrono::milliseconds timeout) {
  const std::string line = frame + "\n";
  bool finished = false;
  error_code result;
  asio::async_write(socket, asio::buffer(line), [&](const error_code& ec, std::size_t) {
    finished = true;
    result = ec;
  });
  if (!run_with_deadline(io, socket, timeout, [&] { return finished; }))
    return fail(Errc::timeout, "could not send within " + std::to_string(timeout.count() / 1000) + " s");
  if (result) return fail(Errc::io_error, result.message());
  return {};
}

Status connect(asio::ip::tcp::socket& socket, asio::io_context& io, const std::string& address, int port,
               std::chrono::milliseconds timeout) {
  error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(address, std::to_string(port), ec);
  if (ec) return fail(Errc::not_found, "cannot resolve: " + ec.message());
  bool finished = false;
  error_code result;
  asio::async_connect(socket, endpoints, [&](const error_code& e, const asio::ip::tcp::endpoint&) {
    finished = true;
    result = e;
  });
  if (!run_with_deadline(io, socket, timeout, [&] { return finished; }))
    return fail(Errc::timeout, "no connection within " + std::to_string(timeout.count() / 1000) + " s");
  if (result) return fail(Errc::io_error, result.message());
  return {};
}

Nonce random_nonce() {
  Nonce n{};
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed: no entropy for a remote command nonce");
  return n;
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace haven::remote_io
