// ICMP / ICMPv6 echo replies as the ping checker and the split-brain witness receive them
// from the network (`is_reply_datagram` and `is_reply_to` in plugins/checker-ping/icmp_echo.*).
// Byte 0: bit 0 IPv6, bit 1 raw socket (IPv4: the datagram starts with the IP header; the
// identifier is checked), bit 2 the sender is the target (else the sender's address follows in
// the input: 4 or 16 bytes), bit 3 the target writes the probe's identifier, sequence and
// cookie into the datagram (so that accepted replies are reached), bit 4 the sender's address
// family is the other one. The rest is the datagram, as recvfrom returns it.
// Property: a datagram is accepted exactly when a plain model accepts it: the sender's address
// (family and bytes) is the pinged one, the ICMP type is echo reply, the sequence and the
// 16-byte cookie are the probe's, and (raw socket) the identifier too; on raw IPv4 the IP header
// is a whole one (version 4, 20..60 bytes) and is skipped by its length.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "icmp_echo.hpp"

using haven::checker_ping::EchoProbe;

namespace {

constexpr std::size_t kCookieAt = 8;

EchoProbe fixed_probe() {
  EchoProbe probe;
  probe.identifier = 0x4a21;
  probe.sequence = 0x9c3e;
  const char cookie[] = "haven-cookie-16b";
  std::memcpy(probe.cookie.data(), cookie, probe.cookie.size());
  return probe;
}

sockaddr_storage address(bool v6, const unsigned char* bytes) {
  sockaddr_storage out{};
  if (v6) {
    auto& a = reinterpret_cast<sockaddr_in6&>(out);
    a.sin6_family = AF_INET6;
    std::memcpy(&a.sin6_addr, bytes, 16);
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(out);
    a.sin_family = AF_INET;
    std::memcpy(&a.sin_addr, bytes, 4);
  }
  return out;
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET)
    return std::memcmp(&reinterpret_cast<const sockaddr_in&>(a).sin_addr, &reinterpret_cast<const sockaddr_in&>(b).sin_addr,
                       4) == 0;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr,
                     &reinterpret_cast<const sockaddr_in6&>(b).sin6_addr, 16) == 0;
}

// Where the ICMP message starts in the datagram, or -1 when the datagram cannot hold one.
long icmp_offset(const std::vector<unsigned char>& d, bool v6, bool raw) {
  if (!raw || v6) return 0;
  if (d.size() < 20 || (d[0] >> 4) != 4 || (d[0] & 0x0f) < 5) return -1;
  return (d[0] & 0x0f) * 4;
}

bool model(const std::vector<unsigned char>& d, bool v6, bool raw, const EchoProbe& probe,
           const sockaddr_storage& from, const sockaddr_storage& target) {
  const long offset = icmp_offset(d, v6, raw);
  if (offset < 0 || d.size() < static_cast<std::size_t>(offset) + kCookieAt + probe.cookie.size()) return false;
  const unsigned char* icmp = d.data() + offset;
  if (icmp[0] != (v6 ? 129 : 0)) return false;  // ICMP6_ECHO_REPLY, ICMP_ECHOREPLY
  if ((icmp[6] << 8 | icmp[7]) != probe.sequence) return false;
  if (raw && (icmp[4] << 8 | icmp[5]) != probe.identifier) return false;
  if (std::memcmp(icmp + kCookieAt, probe.cookie.data(), probe.cookie.size()) != 0) return false;
  return same_address(from, target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const EchoProbe probe = fixed_probe();
  const std::uint8_t flags = data[0];
  const bool v6 = (flags & 1) != 0;
  const bool raw = (flags & 2) != 0;
  std::size_t pos = 1;

  unsigned char target_bytes[16];
  if (v6) ::inet_pton(AF_INET6, "2001:db8::10", target_bytes);
  else ::inet_pton(AF_INET, "192.0.2.10", target_bytes);
  const sockaddr_storage target = address(v6, target_bytes);

  const bool from_v6 = (flags & 16) != 0 ? !v6 : v6;
  unsigned char from_bytes[16] = {};
  std::memcpy(from_bytes, target_bytes, 16);
  if ((flags & 4) == 0) {
    const std::size_t n = from_v6 ? 16 : 4;
    for (std::size_t i = 0; i < n && pos < size; ++i) from_bytes[i] = data[pos++];
  }
  const sockaddr_storage from = address(from_v6, from_bytes);

  std::vector<unsigned char> datagram(data + pos, data + size);
  if ((flags & 8) != 0) {
    const long offset = icmp_offset(datagram, v6, raw);
    if (offset >= 0 && datagram.size() >= static_cast<std::size_t>(offset) + kCookieAt + probe.cookie.size()) {
      unsigned char* icmp = datagram.data() + offset;
      icmp[4] = static_cast<unsigned char>(probe.identifier >> 8);
      icmp[5] = static_cast<unsigned char>(probe.identifier & 0xff);
      icmp[6] = static_cast<unsigned char>(probe.sequence >> 8);
      icmp[7] = static_cast<unsigned char>(probe.sequence & 0xff);
      std::memcpy(icmp + kCookieAt, probe.cookie.data(), probe.cookie.size());
    }
  }

  const bool accepted =
      haven::checker_ping::is_reply_datagram(datagram.data(), datagram.size(), v6, raw, probe, from, target);
  const bool expected = model(datagram, v6, raw, probe, from, target);
  HAVEN_FUZZ_CHECK(accepted == expected, std::string(accepted ? "accepted" : "refused") + " a " +
                                             std::to_string(datagram.size()) + "-byte " + (v6 ? "ICMPv6" : "ICMP") +
                                             (raw ? " raw" : " ping-socket") + " datagram the model " +
                                             (expected ? "accepts" : "refuses"));
  if (accepted) HAVEN_FUZZ_CHECK(same_address(from, target), "a reply from another address was accepted");

  // The ICMP-level check, on the message alone, with and without the identifier.
  for (const bool check_identifier : {false, true}) {
    const bool icmp_ok = haven::checker_ping::is_reply_to(datagram.data(), datagram.size(), v6, probe,
                                                          check_identifier, from, target);
    if (icmp_ok) {
      HAVEN_FUZZ_CHECK(same_address(from, target), "is_reply_to accepted another sender");
      HAVEN_FUZZ_CHECK(datagram.size() >= kCookieAt + probe.cookie.size() && datagram[0] == (v6 ? 129 : 0) &&
                           (datagram[6] << 8 | datagram[7]) == probe.sequence &&
                           (!check_identifier || (datagram[4] << 8 | datagram[5]) == probe.identifier),
                       "is_reply_to accepted a message that is not the reply to the probe");
    }
  }
  return 0;
}
