#include "heartbeat/heartbeat_resources.hpp"

#include <algorithm>
#include <array>

namespace haven {
namespace {

constexpr std::array<std::string_view, kMaxResourceValueCode + 1> kValueNames{"init",    "up", "down",
                                                                              "unknown", "on", "off"};

bool is_wire_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ':';
}

}  // namespace

std::string_view to_string(ResourceValueCode code) noexcept {
  const auto index = static_cast<std::size_t>(code);
  return index < kValueNames.size() ? kValueNames[index] : std::string_view("unknown");
}

std::optional<ResourceValueCode> resource_value_code(std::string_view value) noexcept {
  for (std::size_t i = 0; i < kValueNames.size(); ++i)
    if (kValueNames[i] == value) return static_cast<ResourceValueCode>(i);
  return std::nullopt;
}

bool is_wire_resource_name(std::string_view name) noexcept {
  if (name.size() < kMinResourceNameLength || name.size() > kMaxResourceNameLength) return false;
  const auto dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0 || name.back() == '.') return false;
  return std::all_of(name.begin(), name.end(), is_wire_name_char);
}

ResourceFit fit_resources(const std::map<std::string, std::string>& table, std::size_t budget) {
  ResourceFit fit;
  for (const auto& [name, value] : table) {
    if (!is_wire_resource_name(name)) {
      fit.truncated = true;
      continue;
    }
    const auto size = wire_size_of_entry(name.size());
    // Stop at the first that does not fit: the peer then holds a prefix of the table in name
    // order, the same one every time.
    if (fit.table.size() == kMaxHeartbeatResources || fit.bytes + size > budget) {
      fit.truncated = true;
      break;
    }
    fit.bytes += size;
    fit.table.emplace(name, std::string(to_string(resource_value_code(value).value_or(ResourceValueCode::unknown))));
  }
  return fit;
}

}  // namespace haven
