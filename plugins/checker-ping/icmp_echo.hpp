// One ICMP (or ICMPv6) echo request and its reply, within a deadline.
#pragma once

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace haven::checker_ping {

/// The outcome of one echo: answered, or why not ("no reply within 1000 ms").
struct EchoOutcome {
  bool answered = false;
  bool timed_out = false;  ///< sent, but no reply came in time
  std::string detail;
  std::chrono::microseconds round_trip{0};
};

/// What an echo request carries that its reply must give back: a random sequence and a random
/// cookie in the payload (the identifier is random too on raw sockets; ping sockets set it).
struct EchoProbe {
  std::uint16_t identifier = 0;
  std::uint16_t sequence = 0;
  std::array<unsigned char, 16> cookie{};
};

/// A fresh probe from the system's random source: a spoofed reply must guess 144 random bits.
EchoProbe make_echo_probe();

/// True when `icmp` (the ICMP message of a received datagram, `size` bytes, IP header removed)
/// is the echo reply to `probe`, sent from `target` (`from`'s address must equal it: a reply
/// from any other host, even with the right numbers, is not the witness answering).
/// `check_identifier`: raw sockets (ping sockets rewrite the identifier themselves).
bool is_reply_to(const unsigned char* icmp, std::size_t size, bool v6, const EchoProbe& probe, bool check_identifier,
                 const sockaddr_storage& from, const sockaddr_storage& target);

/// True when `datagram` (`size` bytes, as recvfrom returned them) is the echo reply to `probe`
/// from `target`. `raw`: read from a raw socket, where an IPv4 datagram starts with its IP
/// header (a whole one: version 4, 20 to 60 bytes, skipped) and the identifier is checked; an
/// ICMPv6 or ping socket gives the ICMP message alone. Pure.
bool is_reply_datagram(const unsigned char* datagram, std::size_t size, bool v6, bool raw, const EchoProbe& probe,
                       const sockaddr_storage& from, const sockaddr_storage& target);

/// Sends one echo request to a numeric IPv4/IPv6 address and waits for its reply until
/// `timeout`. Uses an unprivileged ping socket when the system allows it, a raw socket
/// otherwise (root).
EchoOutcome echo_once(const std::string& address, std::chrono::milliseconds timeout);

}  // namespace haven::checker_ping
