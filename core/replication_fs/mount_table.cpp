#include "replication_fs/mount_table.hpp"

#include <fstream>
#include <functional>
#include <vector>

namespace haven::replication_fs::detail {
namespace {

// Calls `visit` for each entry in table order (a later entry is mounted on top of an earlier).
void for_each_mount(const std::function<void(const MountEntry&)>& visit) {
  std::ifstream table("/proc/self/mountinfo");
  std::string line;
  while (std::getline(table, line))
    if (auto entry = parse_mount_line(line)) visit(*entry);
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

std::optional<MountEntry> parse_mount_line(std::string_view line) {
  // id parent major:minor root mount-point options [optional fields...] - type source super-options
  // Split on ' ' only, the kernel's one separator: a path may hold \r, \v or \f, which the
  // kernel does not escape (a stream's >> would cut the path there and shift every field).
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start <= line.size()) {
    auto end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    if (end > start) fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  if (fields.size() < 6) return std::nullopt;
  MountEntry entry;
  entry.id = fields[0];
  entry.parent_id = fields[1];
  entry.device = fields[2];
  entry.root = unescape_mount_field(std::string(fields[3]));
  entry.mount_point = unescape_mount_field(std::string(fields[4]));
  entry.options = fields[5];
  std::size_t i = 6;
  while (i < fields.size() && fields[i] != "-") ++i;
  if (i + 1 < fields.size()) entry.type = fields[i + 1];
  return entry;
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
