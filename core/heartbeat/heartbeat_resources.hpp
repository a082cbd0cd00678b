// The resource section of a heartbeat (format version 2): the sender's resources for the
// module, name → value, so the peer's failover rules can read them as `remote.class.id`.
// Pure functions and constants; docs/heartbeats.md has the wire format and the budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace haven {

/// What one heartbeat says of its sender's resources.
struct HeartbeatResources {
  /// The sender's table version within its boot: it changes whenever the table changes.
  /// 0 before the sender has any table.
  std::uint32_t generation = 0;
  /// The table rides in this heartbeat; otherwise only `generation` does.
  bool included = false;
  /// Included, but not every resource of the sender is in it (the budget, or a name the
  /// wire cannot carry): the missing ones read "unknown" on the peer.
  bool truncated = false;
  /// Name → value, sorted by name; empty unless `included`.
  std::map<std::string, std::string> table;
  bool operator==(const HeartbeatResources&) const = default;
};

/// Most resources one heartbeat carries.
inline constexpr std::size_t kMaxHeartbeatResources = 128;
/// A resource name on the wire: `class.id`, 3 to 128 bytes.
inline constexpr std::size_t kMinResourceNameLength = 3;
inline constexpr std::size_t kMaxResourceNameLength = 128;

/// The values a resource can take, one byte each on the wire.
enum class ResourceValueCode : std::uint8_t { init = 0, up = 1, down = 2, unknown = 3, on = 4, off = 5 };
inline constexpr std::uint8_t kMaxResourceValueCode = 5;

/// "init", "up", ... for a code; the code of a value, nullopt for any other text.
std::string_view to_string(ResourceValueCode code) noexcept;
std::optional<ResourceValueCode> resource_value_code(std::string_view value) noexcept;

/// A name the wire carries: 3..128 bytes of letters, digits, '_', '-', '.' and ':' (the
/// address in module.<name>_<IPv6 address>), with a '.' that is neither first nor last.
bool is_wire_resource_name(std::string_view name) noexcept;

/// Bytes one entry takes on the wire: length byte, name, value byte.
constexpr std::size_t wire_size_of_entry(std::size_t name_length) noexcept { return 1 + name_length + 1; }

/// The part of `table` a heartbeat can carry in `budget` bytes (the count byte excluded):
/// names in order, while they fit and are fewer than kMaxHeartbeatResources; a name the
/// wire cannot carry is left out. A value other than the six known ones goes as "unknown".
struct ResourceFit {
  std::map<std::string, std::string> table;
  bool truncated = false;  ///< something was left out
  std::size_t bytes = 0;   ///< wire bytes of the entries kept
};
ResourceFit fit_resources(const std::map<std::string, std::string>& table, std::size_t budget);

}  // namespace haven
