#include "config/network_address.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace haven::config {
namespace {

bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (c == '-' && label == 0) return false;
    if (++label > 63) return false;
  }
  return label > 0 && s.back() != '-';
}

bool all_digits_and_dots(std::string_view s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  return true;
}

}  // namespace

Status check_node_address(std::string_view addr) {
  const std::string a(addr);
  const std::string quoted = "\"" + a + "\"";
  if (a.empty()) return fail(Errc::invalid_argument, "empty address; expected an IPv4 address, [IPv6] or a DNS name");
  if (a.front() == '[') {
    unsigned char buf[16];
    if (a.back() == ']' && inet_pton(AF_INET6, a.substr(1, a.size() - 2).c_str(), buf) == 1) return ok_status();
    return fail(Errc::invalid_argument, quoted + " is not a valid [IPv6] address; expected e.g. [2001:db8::1]");
  }
  if (a.find(':') != std::string::npos) {
    unsigned char buf[16];
    if (inet_pton(AF_INET6, a.c_str(), buf) == 1)
      return fail(Errc::invalid_argument, quoted + " is an IPv6 address without brackets; write [" + a + "]");
    return fail(Errc::invalid_argument, quoted + " is not an address; expected an IPv4 address, [IPv6] or a DNS name");
  }
  if (all_digits_and_dots(a)) {
    unsigned char buf[4];
    if (inet_pton(AF_INET, a.c_str(), buf) == 1) return ok_status();
    return fail(Errc::invalid_argument, quoted + " is not a valid IPv4 address; expected four numbers 0-255, e.g. 192.168.1.67");
  }
  if (is_dns_name(a)) return ok_status();
  return fail(Errc::invalid_argument, quoted + " is not an address; expected an IPv4 address, [IPv6] or a DNS name "
                                               "(letters, digits, '-' and '.')");
}

}  // namespace haven::config
