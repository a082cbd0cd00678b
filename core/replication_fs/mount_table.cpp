#include "replication_fs/mount_table.hpp"

#include <fstream>
#include <functional>
#include <sstream>

namespace haven::replication_fs::detail {
namespace {

// Calls `visit` for each entry in table order (a later entry is mounted on top of an earlier).
void for_each_mount(const std::function<void(const MountEntry&)>& visit) {
  std::ifstream table("/proc/self/mountinfo");
  std::string line;
  while (std::getline(table, line)) {
    // id parent major:minor root mount-point options [optional fields...] - type source super-options
    std::istringstream fields(line);
    MountEntry entry;
    fields >> entry.id >> entry.parent_id >> entry.device >> entry.root >> entry.mount_point >> entry.options;
    entry.root = unescape_mount_field(entry.root);
    entry.mount_point = unescape_mount_field(entry.mount_point);
    std::string field;
    while (fields >> field && field != "-") {
    }
    fields >> entry.type;
    visit(entry);
  }
}

}  // namespace

std::string mount_point_of(const std::filesystem::path& dir) {
  std::filesystem::path normal = dir.lexically_normal();
  if (!normal.has_filename()) normal = normal.parent_path();
  std::error_code ec;
  auto parent = std::filesystem::canonical(normal.parent_path(), ec);
  return ec ? normal.string() : (parent / normal.filename()).string();
}

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

std::optional<MountEntry> top_mount(const std::string& mount_point) {
  std::optional<MountEntry> top;
  for_each_mount([&](const MountEntry& entry) {
    if (entry.mount_point == mount_point) top = entry;
  });
  return top;
}

std::optional<MountEntry> mount_by_id(const std::string& id) {
  std::optional<MountEntry> found;
  for_each_mount([&](const MountEntry& entry) {
    if (entry.id == id) found = entry;
  });
  return found;
}

std::optional<std::string> top_mount_type(const std::string& mount_point) {
  auto top = top_mount(mount_point);
  if (!top) return std::nullopt;
  return top->type;
}

}  // namespace haven::replication_fs::detail
