#include "icmp_echo.hpp"

#include "haven/unique_fd.hpp"

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <cerrno>
#include <cstring>
#include <vector>

namespace haven::checker_ping {
namespace {

using Clock = std::chrono::steady_clock;


std::uint16_t checksum(const unsigned char* data, std::size_t size) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (size % 2 != 0) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<std::uint16_t>(~sum));
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr == reinterpret_cast<const sockaddr_in&>(b).sin_addr.s_addr;
  if (a.ss_family == AF_INET6)
    return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, &reinterpret_cast<const sockaddr_in6&>(b).sin6_addr,
                       sizeof(in6_addr)) == 0;
  return false;
}

constexpr std::size_t kCookieAt = 8;  // right after the ICMP echo header

}  // namespace

EchoProbe make_echo_probe() {
  std::random_device random;
  EchoProbe probe;
  probe.identifier = static_cast<std::uint16_t>(random());
  probe.sequence = static_cast<std::uint16_t>(random());
  for (auto& byte : probe.cookie) byte = static_cast<unsigned char>(random());
  return probe;
}

bool is_reply_to(const unsigned char* icmp, std::size_t size, bool v6, const EchoProbe& probe, bool check_identifier,
                 const sockaddr_storage& from, const sockaddr_storage& target) {
  if (size < kCookieAt + probe.cookie.size()) return false;
  const bool is_reply = v6 ? icmp[0] == ICMP6_ECHO_REPLY : icmp[0] == ICMP_ECHOREPLY;
  const std::uint16_t got_identifier = static_cast<std::uint16_t>(icmp[4] << 8 | icmp[5]);
  const std::uint16_t got_sequence = static_cast<std::uint16_t>(icmp[6] << 8 | icmp[7]);
  if (!is_reply || got_sequence != probe.sequence) return false;
  if (check_identifier && got_identifier != probe.identifier) return false;  // another process's echo
  if (std::memcmp(icmp + kCookieAt, probe.cookie.data(), probe.cookie.size()) != 0) return false;
  return same_address(from, target);
}

bool is_reply_datagram(const unsigned char* datagram, std::size_t size, bool v6, bool raw, const EchoProbe& probe,
                       const sockaddr_storage& from, const sockaddr_storage& target) {
  std::size_t offset = 0;
  if (raw && !v6) {  // raw IPv4 includes the IP header
    if (size < 20 || (datagram[0] >> 4) != 4) return false;
    offset = static_cast<std::size_t>(datagram[0] & 0x0f) * 4;
    if (offset < 20) return false;
  }
  if (size < offset + 8) return false;
  return is_reply_to(datagram + offset, size - offset, v6, probe, raw, from, target);
}

EchoOutcome echo_once(const std::string& address, std::chrono::milliseconds timeout) {
  sockaddr_storage to{};
  socklen_t to_len = 0;
  bool v6 = false;
  if (::inet_pton(AF_INET, address.c_str(), &reinterpret_cast<sockaddr_in*>(&to)->sin_addr) == 1) {
    to.ss_family = AF_INET;
    to_len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &reinterpret_cast<sockaddr_in6*>(&to)->sin6_addr) == 1) {
    to.ss_family = AF_INET6;
    to_len = sizeof(sockaddr_in6);
    v6 = true;
  } else {
    return {false, false, address + " is not a numeric IPv4 or IPv6 address", {}};
  }
  const int protocol = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  // Ping sockets let the kernel fill in the identifier; raw sockets need root.
  bool raw = false;
  int fd = ::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    fd = ::socket(to.ss_family, SOCK_RAW | SOCK_CLOEXEC, protocol);
    raw = true;
  }
  if (fd < 0) return {false, false, std::string("cannot open an ICMP socket: ") + std::strerror(errno), {}};
  UniqueFd socket(fd);

  const EchoProbe probe = make_echo_probe();
  unsigned char packet[64] = {};
  packet[0] = v6 ? static_cast<unsigned char>(ICMP6_ECHO_REQUEST) : static_cast<unsigned char>(ICMP_ECHO);
  packet[4] = static_cast<unsigned char>(probe.identifier >> 8);
  packet[5] = static_cast<unsigned char>(probe.identifier & 0xff);
  packet[6] = static_cast<unsigned char>(probe.sequence >> 8);
  packet[7] = static_cast<unsigned char>(probe.sequence & 0xff);
  std::memcpy(packet + kCookieAt, probe.cookie.data(), probe.cookie.size());
  std::memcpy(packet + kCookieAt + probe.cookie.size(), "haven-ping-checker", 18);
  if (!v6) {  // the kernel computes the ICMPv6 checksum itself
    const std::uint16_t sum = checksum(packet, sizeof packet);
    std::memcpy(packet + 2, &sum, 2);
  }

  const auto start = Clock::now();
  const auto deadline = start + timeout;
  // Connected: the kernel delivers only datagrams from the target (raw sockets too).
  if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&to), to_len) != 0)
    return {false, false, "cannot address an echo request to " + address + ": " + std::strerror(errno), {}};
  if (::send(socket.get(), packet, sizeof packet, 0) < 0)
    return {false, false, "cannot send an echo request to " + address + ": " + std::strerror(errno), {}};

  std::vector<unsigned char> reply(1500);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd pfd{socket.get(), POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t got = ::recvfrom(socket.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got <= 0) continue;
    if (!is_reply_datagram(reply.data(), static_cast<std::size_t>(got), v6, raw, probe, from, to)) continue;
    return {true, false, "", std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)};
  }
  return {false, true, "no reply from " + address + " within " + std::to_string(timeout.count()) + " ms", {}};
}

}  // namespace haven::checker_ping
