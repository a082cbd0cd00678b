// The remote command server's framing on a real loopback TCP connection (read_frame in
// core/remote/frame_io.*): whatever a client sends, in whatever order its bytes arrive.
// Byte 0: 0xff prefixes the input with a megabyte of 'a' (the size limit; rare, as it is slow
// to send), else bit 1 sends the bytes one write each (else one write). The rest is what the client sends before it closes.
// Property: read_frame returns exactly the bytes before the first newline when they are within
// kMaxRemoteFrameSize, refuses a longer frame as invalid_argument, and otherwise (no newline
// before the close) fails as io_error; it never throws, and it returns.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include "fuzz_check.hpp"
#include "remote/frame_io.hpp"
#include "remote/remote_envelope.hpp"

namespace asio = boost::asio;

namespace {

struct Loopback {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
};

Loopback& loopback() {
  static Loopback l;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool huge = data[0] == 0xff;
  const bool bytewise = !huge && (data[0] & 2) != 0 && size < 512;
  std::string sent(huge ? haven::kMaxRemoteFrameSize : 0, 'a');
  sent.append(reinterpret_cast<const char*>(data + 1), size - 1);

  auto& l = loopback();
  asio::io_context client_io;
  asio::ip::tcp::socket client(client_io);
  boost::system::error_code ec;
  client.connect(l.acceptor.local_endpoint(), ec);
  HAVEN_FUZZ_CHECK(!ec, "connect to the loopback listener: " + ec.message());
  asio::ip::tcp::socket server(l.io);
  l.acceptor.accept(server, ec);
  HAVEN_FUZZ_CHECK(!ec, "accept: " + ec.message());
  std::thread writer([&] {
    boost::system::error_code wec;
    if (bytewise) {
      for (char c : sent) asio::write(client, asio::buffer(&c, 1), wec);
    } else {
      asio::write(client, asio::buffer(sent), wec);
    }
    client.shutdown(asio::ip::tcp::socket::shutdown_send, wec);
  });
  auto frame = haven::remote_io::read_frame(server, l.io, std::chrono::seconds(5), std::chrono::seconds(2));
  boost::system::error_code ignored;
  server.close(ignored);  // the writer may still be blocked on a full buffer: closing frees it
  writer.join();
  client.close(ignored);

  const auto newline = sent.find('\n');
  if (newline != std::string::npos && newline <= haven::kMaxRemoteFrameSize) {
    HAVEN_FUZZ_CHECK(frame.ok(), "a frame of " + std::to_string(newline) + " bytes was refused: " + frame.error().message);
    HAVEN_FUZZ_CHECK(*frame == sent.substr(0, newline), "the frame read is not the bytes before the newline");
  } else if (sent.size() > haven::kMaxRemoteFrameSize) {
    HAVEN_FUZZ_CHECK(!frame.ok() && frame.error().code == haven::Errc::invalid_argument,
                     "a frame over the limit was not refused as too long");
  } else {
    HAVEN_FUZZ_CHECK(!frame.ok() && frame.error().code == haven::Errc::io_error,
                     "no newline before the close, yet: " + (frame.ok() ? "a frame" : frame.error().message));
  }
  return 0;
}
