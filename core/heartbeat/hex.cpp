#include "heartbeat/hex.hpp"

namespace haven::hex {
namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string encode(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> decode(std::string_view text, std::size_t* bad_at) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (digit_value(text[i]) < 0) {
      if (bad_at) *bad_at = i;
      return std::nullopt;
    }
  }
  if (text.size() % 2 != 0) {
    if (bad_at) *bad_at = text.size();
    return std::nullopt;
  }
  for (std::size_t i = 0; i < text.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(digit_value(text[i]) * 16 + digit_value(text[i + 1])));
  return out;
}

}  // namespace haven::hex
