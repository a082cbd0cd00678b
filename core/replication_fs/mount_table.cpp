#include "replication_fs/mount_table.hpp"

#include <fstream>
#include <sstream>

namespace haven::replication_fs::detail {

std::string unescape_mount_field(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string digits = field.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(digits, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::optional<std::string> top_mount_type(const std::string& mount_point) {
  std::ifstream table("/proc/self/mountinfo");
  std::optional<std::string> type;
  std::string line;
  while (std::getline(table, line)) {
    // id parent major:minor root mount-point options [optional fields...] - type source super-options
    std::istringstream fields(line);
    std::string id, parent, device, root, point;
    fields >> id >> parent >> device >> root >> point;
    if (unescape_mount_field(point) != mount_point) continue;
    std::string field;
    while (fields >> field && field != "-") {
    }
    std::string fs_type;
    if (fields >> fs_type) type = fs_type;  // later lines are mounted on top of earlier ones
  }
  return type;
}

}  // namespace haven::replication_fs::detail
