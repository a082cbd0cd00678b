#include "vip/ip_prefix.hpp"

#include <array>
#include <bit>
#include <charconv>

namespace haven::vip {
namespace {

std::array<unsigned char, 16> bytes_of(const IpAddress& a, std::size_t& size) {
  std::array<unsigned char, 16> out{};
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
    size = 4;
  } else {
    out = a.to_v6().to_bytes();
    size = 16;
  }
  return out;
}

}  // namespace

std::string IpPrefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

bool IpPrefix::contains(const IpAddress& other) const {
  if (address.is_v4() != other.is_v4()) return false;
  std::size_t size = 0;
  const auto a = bytes_of(address, size);
  const auto b = bytes_of(other, size);
  int bits = length;
  for (std::size_t i = 0; i < size && bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

int host_prefix_length(const IpAddress& address) { return address.is_v4() ? 32 : 128; }

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return IpAddress(a.to_v6().to_v4());
  return a;
}

Result<int> parse_netmask(std::string_view netmask, const IpAddress& address) {
  const int max = host_prefix_length(address);
  std::string_view text = netmask;
  if (!text.empty() && text.front() == '/') text.remove_prefix(1);
  int length = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
    if (length >= 0 && length <= max) return length;
  } else if (address.is_v4()) {
    boost::system::error_code perr;
    auto mask = boost::asio::ip::make_address_v4(std::string(text), perr);
    if (!perr) {
      const auto bits = mask.to_uint();
      const int ones = std::popcount(bits);
      const std::uint32_t expected = ones == 0 ? 0u : ~std::uint32_t{0} << (32 - ones);
      if (bits == expected) return ones;
    }
  }
  return fail(Errc::invalid_argument,
              "netmask \"" + std::string(netmask) + "\" for " + address.to_string() + ": expected a prefix length 0.." +
                  std::to_string(max) + (address.is_v4() ? " or a contiguous dotted mask such as 255.255.255.0" : ""));
}

}  // namespace haven::vip
