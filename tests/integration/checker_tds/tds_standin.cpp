#include "tds_standin.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace haven::test {
namespace {

constexpr std::uint8_t kPrelogin = 0x12;
constexpr std::uint8_t kLogin7 = 0x10;
constexpr std::uint8_t kSqlBatch = 0x01;
constexpr std::uint8_t kReply = 0x04;

using Bytes = std::string;

// Reads exactly n bytes, polling so that stop_ ends the wait; nullopt on EOF, error or stop.
std::optional<Bytes> read_exact(int fd, std::size_t n, const std::atomic<bool>& stop) {
  Bytes out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (out.size() < n) {
    if (stop.load() || std::chrono::steady_clock::now() > deadline) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready < 0) return std::nullopt;
    if (ready == 0) continue;
    char buffer[4096];
    const auto want = std::min(sizeof buffer, n - out.size());
    const auto got = ::recv(fd, buffer, want, 0);
    if (got <= 0) return std::nullopt;
    out.append(buffer, static_cast<std::size_t>(got));
  }
  return out;
}

// One message: its packets' payloads joined, and the type of its first packet.
struct Message {
  std::uint8_t type = 0;
  Bytes payload;
};

std::optional<Message> read_message(int fd, const std::atomic<bool>& stop) {
  Message m;
  for (int packets = 0; packets < 64; ++packets) {
    auto header = read_exact(fd, 8, stop);
    if (!header) return std::nullopt;
    const auto h = reinterpret_cast<const unsigned char*>(header->data());
    const std::size_t length = (static_cast<std::size_t>(h[2]) << 8) | h[3];
    if (length < 8) return std::nullopt;
    auto body = read_exact(fd, length - 8, stop);
    if (!body) return std::nullopt;
    if (packets == 0) m.type = h[0];
    m.payload += *body;
    if (h[1] & 0x01) return m;  // end of message
  }
  return std::nullopt;
}

void put16le(Bytes& b, unsigned v) {
  b += static_cast<char>(v & 0xff);
  b += static_cast<char>((v >> 8) & 0xff);
}
void put32le(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put16be(Bytes& b, unsigned v) {
  b += static_cast<char>((v >> 8) & 0xff);
  b += static_cast<char>(v & 0xff);
}
unsigned get16le(const Bytes& b, std::size_t at) {
  if (at + 2 > b.size()) throw std::runtime_error("LOGIN7 shorter than its offsets");
  return static_cast<unsigned char>(b[at]) | (static_cast<unsigned>(static_cast<unsigned char>(b[at + 1])) << 8);
}

// B_VARCHAR: a one-byte length in characters, then UCS-2.
void put_b_varchar(Bytes& b, const std::string& text) {
  b += static_cast<char>(text.size());
  b += ucs2(text);
}

bool send_reply(int fd, const Bytes& payload) {
  Bytes packet;
  packet += static_cast<char>(kReply);
  packet += static_cast<char>(0x01);  // end of message
  put16be(packet, static_cast<unsigned>(payload.size() + 8));
  put16be(packet, 0);  // spid
  packet += static_cast<char>(1);
  packet += static_cast<char>(0);
  packet += payload;
  return ::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(packet.size());
}

// The PRELOGIN answer: version 16.0.2000, encryption not supported (no TLS), no MARS.
Bytes prelogin_answer() {
  struct Option {
    std::uint8_t token;
    Bytes data;
  };
  const Option options[] = {{0x00, Bytes("\x10\x00\x07\xd0\x00\x00", 6)},
                            {0x01, Bytes("\x02", 1)},
                            {0x02, Bytes("\x00", 1)},
                            {0x03, Bytes()},
                            {0x04, Bytes("\x00", 1)}};
  const std::size_t table = sizeof(options) / sizeof(options[0]) * 5 + 1;
  Bytes head;
  Bytes data;
  for (const auto& o : options) {
    head += static_cast<char>(o.token);
    put16be(head, static_cast<unsigned>(table + data.size()));
    put16be(head, static_cast<unsigned>(o.data.size()));
    data += o.data;
  }
  head += static_cast<char>(0xff);
  return head + data;
}

Bytes done_token(unsigned status) {
  Bytes b;
  b += static_cast<char>(0xfd);
  put16le(b, status);
  put16le(b, 0);                 // current command
  put32le(b, 0);                 // row count, 8 bytes since TDS 7.2
  put32le(b, 0);
  return b;
}

Bytes envchange(std::uint8_t type, const std::string& now, const std::string& before) {
  Bytes body;
  body += static_cast<char>(type);
  put_b_varchar(body, now);
  put_b_varchar(body, before);
  Bytes b;
  b += static_cast<char>(0xe3);
  put16le(b, static_cast<unsigned>(body.size()));
  return b + body;
}

Bytes login_accepted() {
  Bytes ack;
  ack += static_cast<char>(1);             // interface: SQL_TSQL
  ack += Bytes("\x74\x00\x00\x04", 4);     // TDS 7.4
  put_b_varchar(ack, "Microsoft SQL Server");
  ack += Bytes("\x10\x00\x07\xd0", 4);     // 16.0.2000
  Bytes b = envchange(1, "master", "master") + envchange(4, "4096", "4096");
  b += static_cast<char>(0xad);
  put16le(b, static_cast<unsigned>(ack.size()));
  return b + ack + done_token(0);
}

Bytes login_refused(const std::string& user) {
  const std::string text = "Login failed for user '" + user + "'.";
  Bytes body;
  put32le(body, 18456);
  body += static_cast<char>(1);   // state
  body += static_cast<char>(14);  // class
  put16le(body, static_cast<unsigned>(text.size()));
  body += ucs2(text);
  put_b_varchar(body, "standin");
  put_b_varchar(body, "");
  put32le(body, 1);               // line
  Bytes b;
  b += static_cast<char>(0xaa);
  put16le(b, static_cast<unsigned>(body.size()));
  return b + body + done_token(0x0002);
}

std::string from_ucs2(const Bytes& b, std::size_t at, std::size_t chars) {
  std::string out;
  for (std::size_t i = 0; i < chars && at + 2 * i + 1 < b.size(); ++i) out += b[at + 2 * i];
  return out;
}

Login7Seen read_login7(const Bytes& p) {
  Login7Seen seen;
  if (p.size() < 94) throw std::runtime_error("LOGIN7 of " + std::to_string(p.size()) + " bytes, expected 94 or more");
  seen.tds_version = static_cast<std::uint32_t>(get16le(p, 4)) | (static_cast<std::uint32_t>(get16le(p, 6)) << 16);
  seen.user = from_ucs2(p, get16le(p, 40), get16le(p, 42));
  const std::size_t pw_at = get16le(p, 44);
  const std::size_t pw_chars = get16le(p, 46);
  Bytes clear;
  for (std::size_t i = 0; i < 2 * pw_chars && pw_at + i < p.size(); ++i) {
    auto c = static_cast<unsigned char>(p[pw_at + i]) ^ 0xa5;
    clear += static_cast<char>(((c & 0x0f) << 4) | (c >> 4));
  }
  seen.password = from_ucs2(clear, 0, pw_chars);
  seen.app = from_ucs2(p, get16le(p, 48), get16le(p, 50));
  return seen;
}

}  // namespace

std::string ucs2(const std::string& text) {
  Bytes out;
  for (char c : text) {
    out += c;
    out += '\0';
  }
  return out;
}

TdsStandin::TdsStandin(Mode mode, std::string user, std::string password)
    : mode_(mode), user_(std::move(user)), password_(std::move(password)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("TDS stand-in: cannot open a socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 || ::listen(listen_fd_, 8) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("TDS stand-in: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TdsStandin::~TdsStandin() {
  stop_.store(true);
  thread_.join();
  ::close(listen_fd_);
}

std::vector<Login7Seen> TdsStandin::logins() const {
  std::lock_guard lock(mutex_);
  return logins_;
}

void TdsStandin::serve() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    try {
      serve_connection(fd);
    } catch (const std::exception&) {
      // a malformed message ends that connection; the test sees the client's error
    }
    ::close(fd);
  }
}

void TdsStandin::serve_connection(int fd) {
  while (auto message = read_message(fd, stop_)) {
    if (mode_ == Mode::silent) continue;  // reads everything, answers nothing
    if (message->type == kPrelogin) {
      ++prelogins_;
      if (!send_reply(fd, prelogin_answer())) return;
    } else if (message->type == kLogin7) {
      const auto seen = read_login7(message->payload);
      {
        std::lock_guard lock(mutex_);
        logins_.push_back(seen);
      }
      const bool good = seen.user == user_ && seen.password == password_;
      if (!send_reply(fd, good ? login_accepted() : login_refused(seen.user))) return;
      if (!good) return;
    } else if (message->type == kSqlBatch) {
      if (!send_reply(fd, done_token(0))) return;
    } else {
      return;
    }
  }
}

}  // namespace haven::test
