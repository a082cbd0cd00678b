// Frames arriving on one interface (AF_PACKET), to check what haven announced from the
// other end of a veth pair. Reads until a frame matches or a generous bound passes: the bound
// only stops a broken test from hanging, it asserts nothing about timing.
#pragma once

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace haven::vip::testing {

using Frame = std::vector<std::uint8_t>;

class FrameCapture {
 public:
  explicit FrameCapture(int if_index) {
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd_ < 0) throw std::runtime_error("AF_PACKET socket");
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(ETH_P_ALL);
    at.sll_ifindex = if_index;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof(at)) < 0) throw std::runtime_error("bind AF_PACKET");
    timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~FrameCapture() { ::close(fd_); }
  FrameCapture(const FrameCapture&) = delete;
  FrameCapture& operator=(const FrameCapture&) = delete;

  /// The first frame (Ethernet header included) for which `match` is true.
  std::optional<Frame> wait_for(const std::function<bool(const Frame&)>& match) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Frame buf(2048);
    while (std::chrono::steady_clock::now() < give_up) {
      const auto n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n <= 0) continue;
      Frame f(buf.begin(), buf.begin() + n);
      if (match(f)) return f;
    }
    return std::nullopt;
  }

 private:
  int fd_ = -1;
};

inline std::uint16_t ethertype(const Frame& f) { return f.size() < 14 ? 0 : static_cast<std::uint16_t>(f[12] << 8 | f[13]); }

}  // namespace haven::vip::testing
