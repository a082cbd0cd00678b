// The node-to-node command server past its socket, as RemoteServer::serve runs it: a frame read
// by remote_io::read_frame (frame_io.hpp) from a socket pair the target fills with the input,
// open_request with the cluster key, ControlRequest::parse, then havend's handler
// (NodeDaemon::handle_remote) over a scratch node in /dev/shm holding one installed module and
// its knowledge file, and the answer sealed back and opened as the asking node would.
//
// Byte 0 picks the mode. Even: the rest is what a stranger sends on the connection, as is, or
// (bit 1) bytes 1-3 give a length of up to 3 MiB that the rest is repeated to, so frames over
// the 1 MiB limit are tried. Odd: the rest is a request body the target signs with the key
// (as node1 to node2), so the handlers behind the MAC are reached; with bit 2 it also goes
// to NodeDaemon::handle, as the local control socket and `relay` pass it. Commands that would
// start a module's agent (start, prim, primforce, second on the installed module) are not
// handed over: that forks a process.
//
// Checked: no crash or sanitizer report; read_frame gives the bytes before the first newline
// exactly when there is one within the limit, invalid_argument when there is none within it,
// io_error when the connection ends first; no allocation while reading is larger than twice
// the limit (the limit holds before the bytes are stored, whatever is sent); a refusal has a
// reason and a detail; a signed body comes out of the envelope as it went in; every answer is
// sealed (or replaced by a sealed error) and opens, at the asking node, to a valid response.
#include <sanitizer/allocator_interface.h>
#include <spdlog/logger.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <variant>

#include "common/haven_paths.hpp"
#include "control/control_message.hpp"
#include "daemon/node_daemon.hpp"
#include "fuzz_check.hpp"
#include "remote/frame_io.hpp"
#include "remote/remote_envelope.hpp"

namespace fs = std::filesystem;
using namespace haven;
using namespace std::chrono_literals;

namespace {

constexpr const char* kThisNode = "node2";
constexpr const char* kAsker = "node1";
constexpr const char* kModule = "web";

ClusterKey fixed_key() {
  ClusterKey key;
  key.bytes.fill(0x5a);
  return key;
}

Nonce counter_nonce() {
  static std::uint64_t counter = 0;
  ++counter;
  Nonce n{};
  for (std::size_t i = 0; i < 8; ++i) n[i] = static_cast<std::uint8_t>(counter >> (8 * i));
  n[15] = 0xa5;
  return n;
}

// The largest single allocation while a frame is read.
std::atomic<bool> g_watching{false};
std::atomic<std::size_t> g_largest{0};

void on_malloc(const volatile void*, std::size_t size) {
  if (!g_watching.load(std::memory_order_relaxed)) return;
  std::size_t seen = g_largest.load(std::memory_order_relaxed);
  while (size > seen && !g_largest.compare_exchange_weak(seen, size)) {
  }
}
void on_free(const volatile void*) {}

const fs::path& node_root() {
  // On the heap and never destroyed: the clean-up registered with atexit runs after the
  // static objects are destroyed (a static path would be gone by then).
  static const fs::path* root = [] {
    std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string pattern = base + "/haven-fuzz-remote-XXXXXX";
    HAVEN_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot make a work folder in " + base);
    const HavenPaths paths = HavenPaths::under(pattern);
    fs::create_directories(paths.module_dir(kModule) / "conf");
    fs::create_directories(paths.knowledge_file(kModule).parent_path());
    fs::create_directories(paths.conf_dir());
    std::ofstream(paths.module_registry()) << R"({"version": 1, "modules": {"web": {"id": 3}}})" << "\n";
    std::ofstream(paths.knowledge_file(kModule)) << R"({"format": 1, "data_uptodate": true, "last_role": "prim", "generation": 7})"
                                                 << "\n";
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(node_root(), ec);
    });
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    return new fs::path(pattern);
  }();
  return *root;
}

NodeDaemon& daemon() {
  // Never destroyed: its supervisor's thread runs until the process ends.
  static NodeDaemon* d = new NodeDaemon(HavenPaths::under(node_root()), kThisNode, std::make_shared<spdlog::logger>("fuzz"));
  return *d;
}

// What read_frame gives for `bytes` sent whole, then the connection closed.
Result<std::string> read_through_socket(const std::string& bytes) {
  int fds[2];
  HAVEN_FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0, "socketpair");
  std::thread writer([fd = fds[1], &bytes] {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) break;  // the reader stopped reading (over the limit) and closed
      done += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
  });
  boost::asio::io_context io;
  // The socket classes do not look at the address family: a stream is a stream.
  boost::asio::ip::tcp::socket socket(io, boost::asio::ip::tcp::v4(), fds[0]);
  g_largest = 0;
  g_watching = true;
  auto frame = remote_io::read_frame(socket, io, 5000ms, 2000ms);
  g_watching = false;
  boost::system::error_code ignored;
  socket.close(ignored);
  writer.join();
  ::close(fds[1]);
  HAVEN_FUZZ_CHECK(g_largest.load() <= 2 * kMaxRemoteFrameSize + 65536,
                   "an allocation of " + std::to_string(g_largest.load()) + " bytes while reading one frame");
  return frame;
}

void check_read(const std::string& sent, const Result<std::string>& frame) {
  const auto newline = sent.find('\n');
  if (newline != std::string::npos && newline <= kMaxRemoteFrameSize) {
    HAVEN_FUZZ_CHECK(frame.ok(), "a frame within the limit refused: " + (frame.ok() ? std::string() : frame.error().message));
    HAVEN_FUZZ_CHECK(*frame == sent.substr(0, newline), "the frame read is not the bytes before the newline");
    return;
  }
  HAVEN_FUZZ_CHECK(!frame.ok(), "a frame without a newline within the limit accepted");
  if (sent.size() > kMaxRemoteFrameSize)
    HAVEN_FUZZ_CHECK(frame.error().code == Errc::invalid_argument, "over the limit without saying so: " + frame.error().message);
  else
    HAVEN_FUZZ_CHECK(frame.error().code == Errc::io_error, "a frame cut by the end of the connection: " + frame.error().message);
}

bool starts_an_agent(const ControlRequest& r) {
  static const std::set<std::string> starting{"start", "prim", "primforce", "second"};
  if (starting.contains(r.command) && r.module == kModule) return true;
  // A relay to this node runs its inner request here (NodeDaemon::handle only).
  if (r.command == "relay" && r.args.is_object() && r.args.contains("request") && r.args["request"].is_object()) {
    const auto& inner = r.args["request"];
    return inner.contains("command") && inner["command"].is_string() && starting.contains(inner["command"].get<std::string>());
  }
  return false;
}

// Seals `answer` as RemoteServer::serve does, and opens it as the asking node does.
void answer_and_open(const ControlResponse& answer, const OpenedEnvelope& request, const ClusterKey& key, std::int64_t now) {
  auto sealed = seal_response(answer.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kThisNode,
                              request.sender, request.nonce, key, now, counter_nonce());
  if (!sealed.ok()) {
    auto too_big = ControlResponse::failure(fail(Errc::internal, std::string("node ") + kThisNode + ": " + sealed.error().message));
    sealed = seal_response(too_big.to_json().dump(), kThisNode, request.sender, request.nonce, key, now, counter_nonce());
  }
  HAVEN_FUZZ_CHECK(sealed.ok(), "an answer that cannot be sealed, even as an error: " + sealed.error().message);
  auto opened = open_response(*sealed, key, kAsker, kThisNode, now, request.nonce);
  auto* envelope = std::get_if<OpenedEnvelope>(&opened);
  HAVEN_FUZZ_CHECK(envelope != nullptr, "the asking node refuses the answer: " + std::get<EnvelopeRejection>(opened).detail);
  auto response = ControlResponse::parse(envelope->body);
  HAVEN_FUZZ_CHECK(response.ok(), "the answer is not a control response: " + (response.ok() ? std::string() : response.error().message));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const ClusterKey key = fixed_key();
  NodeDaemon& node = daemon();
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::int64_t now = remote_io::unix_now_ms();
  NonceCache seen(kClockToleranceMs, 64);

  if ((data[0] & 1) == 0) {
    if ((data[0] & 2) != 0 && rest.size() > 3) {
      const std::size_t length = (static_cast<std::size_t>(data[1]) | (static_cast<std::size_t>(data[2]) << 8) |
                                  (static_cast<std::size_t>(data[3]) << 16)) % (3u << 20);
      const std::string unit = rest.substr(3);
      rest.clear();
      while (rest.size() < length) rest += unit;
      rest.resize(length);
    }
    auto frame = read_through_socket(rest);
    check_read(rest, frame);
    if (!frame.ok()) return 0;
    auto opened = open_request(*frame, key, kThisNode, now, seen);
    if (auto* why = std::get_if<EnvelopeRejection>(&opened)) {
      HAVEN_FUZZ_CHECK(!why->detail.empty(), "a refusal without detail");
      HAVEN_FUZZ_CHECK(!rejection_frame(why->reason).empty(), "a refusal without a frame");
    }
    return 0;
  }

  const Nonce nonce = counter_nonce();
  auto sealed = seal_request(rest, kAsker, kThisNode, key, now, nonce);
  if (!sealed.ok()) return 0;  // not UTF-8, or too large: never sent
  auto frame = read_through_socket(*sealed + "\n");
  HAVEN_FUZZ_CHECK(frame.ok() && *frame == *sealed, "a sealed frame does not come through the socket as sent");
  auto opened = open_request(*frame, key, kThisNode, now, seen);
  auto* request = std::get_if<OpenedEnvelope>(&opened);
  HAVEN_FUZZ_CHECK(request != nullptr, "a request sealed with the key is refused: " + std::get<EnvelopeRejection>(opened).detail);
  HAVEN_FUZZ_CHECK(request->body == rest && request->sender == kAsker, "the body or sender changed on the way");
  auto parsed = ControlRequest::parse(request->body);
  if (!parsed.ok()) {
    HAVEN_FUZZ_CHECK(!parsed.error().message.empty(), "a refusal says why");
    answer_and_open(ControlResponse::failure(parsed.error()), *request, key, now);
    return 0;
  }
  if (starts_an_agent(*parsed)) return 0;
  answer_and_open(node.handle_remote(*parsed, request->sender), *request, key, now);
  if ((data[0] & 4) != 0) answer_and_open(node.handle(*parsed, ControlPeer{}), *request, key, now);
  return 0;
}
