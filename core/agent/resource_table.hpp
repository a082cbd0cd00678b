// A module's resources on one node: named values (`class.id` = init|up|down|unknown) that
// checkers, custom scripts (`haven set -r custom.x -v down`) and haven itself set, and that
// failover rules read. Pure: no clock, no I/O; the agent owns one and logs its changes.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven {

/// One resource as `haven get` shows it.
struct Resource {
  std::string name;     ///< "custom.db", "heartbeat.default", "rfs.uptodate"
  std::string value;    ///< "init", "up", "down", "unknown" (usersetting.*: "on", "off")
  std::string set_by;   ///< who set it last: an identity, "admin" or "haven"
  std::chrono::system_clock::time_point since;  ///< when it took this value
};

class ResourceTable {
 public:
  /// Classes haven keeps itself (heartbeat, rfs, usersetting, heart): `haven set` refuses them.
  static bool is_host_owned(const std::string& name);

  /// Checks a name: `class.id`, letters, digits, '_', '-' and '.', 3..128 characters.
  static Status check_name(const std::string& name);

  /// Sets a resource from outside (`haven set`): the name must be valid and not host-owned,
  /// the value one of init, up, down, unknown. Returns true when the value changed.
  Result<bool> set_by_user(const std::string& name, const std::string& value, const std::string& by,
                           std::chrono::system_clock::time_point now);

  /// Sets a host-owned resource (no checks on the class). Returns true when it changed.
  bool set_by_host(const std::string& name, const std::string& value, std::chrono::system_clock::time_point now);

  /// The resource, or nullopt when nobody ever set it.
  std::optional<Resource> get(const std::string& name) const;
  /// Every resource, sorted by name.
  std::vector<Resource> list() const;

 private:
  bool assign(const std::string& name, const std::string& value, const std::string& by,
              std::chrono::system_clock::time_point now);
  std::map<std::string, Resource> resources_;
};

}  // namespace haven
