#include "load_filter/filter_spec.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace haven::load_filter {
namespace {

constexpr std::string_view kTablePrefix = "haven_";
constexpr std::size_t kMaxTableName = 64;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// FNV-1a: stable across builds and machines, which std::hash is not.
std::uint32_t stable_hash(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

std::optional<MacBytes> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacBytes mac{};
  for (std::size_t i = 0; i < 6; ++i) {
    const int hi = hex_value(text[i * 3]);
    const int lo = hex_value(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    mac[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::string format_mac(const MacBytes& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

std::optional<MacBytes> derive_virtual_mac(std::uint16_t module_id, const std::vector<std::string>& vips) {
  std::optional<std::array<std::uint8_t, 4>> tail;
  for (const auto& vip : vips) {  // the first IPv4 VIP wins over any IPv6 one
    in_addr v4{};
    if (inet_pton(AF_INET, vip.c_str(), &v4) == 1) {
      std::array<std::uint8_t, 4> bytes{};
      std::memcpy(bytes.data(), &v4, 4);
      tail = bytes;
      break;
    }
  }
  if (!tail) {
    for (const auto& vip : vips) {
      in6_addr v6{};
      if (inet_pton(AF_INET6, vip.c_str(), &v6) == 1) {
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &v6.s6_addr[12], 4);
        tail = bytes;
        break;
      }
    }
  }
  if (!tail) return std::nullopt;
  return MacBytes{0x02, static_cast<std::uint8_t>(module_id & 0xff), (*tail)[0], (*tail)[1], (*tail)[2], (*tail)[3]};
}

std::string table_name(std::string_view module) {
  std::string name(kTablePrefix);
  bool mapped = false;
  for (char c : module) {
    if (is_name_char(c)) {
      name += c;
    } else {
      name += '_';
      mapped = true;
    }
  }
  if (module.empty()) mapped = true;  // "haven_" alone would be a name no module asked for
  constexpr std::size_t kHashSuffix = 9;  // "_" and eight hex digits
  if (name.size() > kMaxTableName) {
    name.resize(kMaxTableName - kHashSuffix);
    mapped = true;
  }
  if (mapped) {
    char suffix[kHashSuffix + 1];
    std::snprintf(suffix, sizeof suffix, "_%08x", stable_hash(module));
    name += suffix;
  }
  return name;
}

bool is_haven_table_name(std::string_view name) {
  if (name.size() <= kTablePrefix.size() || name.size() > kMaxTableName) return false;
  if (name.substr(0, kTablePrefix.size()) != kTablePrefix) return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return true;
}

bool is_valid_interface_name(std::string_view name) {
  if (name.empty() || name.size() > 15) return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return true;
}

}  // namespace haven::load_filter
