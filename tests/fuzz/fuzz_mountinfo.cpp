// /proc/self/mountinfo as the replicated file system reads it (`parse_mount_line` and the
// octal unescaping in replication_fs/mount_table.cpp). Mount points are chosen by whoever may
// mount: any local user can mount a FUSE file system on a folder of their own, named with
// any bytes but NUL.
// Byte 0 picks the mode:
//   - even: the rest is raw mountinfo text, parsed line by line: no crash; a parsed entry's
//     leading fields hold no space; unescaping never makes a field longer.
//   - odd: the rest is "root NUL mount-point NUL type NUL optional-fields": the target writes
//     the line as the kernel does (show_mountinfo escapes space, tab, newline and backslash
//     as \ooo in paths and the type) and checks that the parser gives back exactly that
//     root, mount point and type, whatever other bytes (\r, \v, \f, '-', UTF-8) they hold.
// Always: unescape(kernel_escape(x)) == x.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "replication_fs/mount_table.hpp"

using haven::replication_fs::detail::parse_mount_line;
using haven::replication_fs::detail::unescape_mount_field;

namespace {

// The kernel's mangle() with the escape set of show_mountinfo: " \t\n\\" as \ooo.
std::string kernel_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      const auto u = static_cast<unsigned char>(c);
      out += '\\';
      out += static_cast<char>('0' + ((u >> 6) & 7));
      out += static_cast<char>('0' + ((u >> 3) & 7));
      out += static_cast<char>('0' + (u & 7));
    } else {
      out += c;
    }
  }
  return out;
}

using haven::fuzz::printable;

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto end = s.find(separator, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// What the kernel writes in a path: any byte but NUL; an empty path is at least "/".
std::string as_path(std::string_view s) { return s.empty() ? std::string("/") : std::string(s); }

void check_round_trip(std::string_view body) {
  const auto parts = split(body, '\0');
  const std::string root = as_path(parts[0]);
  const std::string mount_point = as_path(parts.size() > 1 ? parts[1] : std::string_view{});
  std::string type = parts.size() > 2 && !parts[2].empty() ? std::string(parts[2]) : std::string("fuse.haven");
  std::string optional;
  // Optional fields are the kernel's own words ("shared:12 master:3"): no blanks inside.
  for (std::size_t i = 3; i < parts.size(); ++i) {
    std::string word;
    for (char c : parts[i])
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' && c != '\0') word += c;
    if (word.empty() || word == "-") continue;
    optional += " " + word;
  }
  const std::string escaped_type = kernel_escape(type);
  const std::string line = "36 35 98:0 " + kernel_escape(root) + " " + kernel_escape(mount_point) +
                           " rw,nosuid,nodev,relatime" + optional + " - " + escaped_type + " /dev/fuse rw,user_id=0";
  const auto entry = parse_mount_line(line);
  HAVEN_FUZZ_CHECK(entry.has_value(), "a line written as the kernel writes it is refused: " + printable(line));
  HAVEN_FUZZ_CHECK(entry->id == "36" && entry->parent_id == "35" && entry->device == "98:0",
                   "leading fields read wrong from " + printable(line));
  HAVEN_FUZZ_CHECK(entry->root == root, "root '" + printable(root) + "' read back as '" + printable(entry->root) +
                                            "' from " + printable(line));
  HAVEN_FUZZ_CHECK(entry->mount_point == mount_point, "mount point '" + printable(mount_point) + "' read back as '" +
                                                          printable(entry->mount_point) + "' from " + printable(line));
  HAVEN_FUZZ_CHECK(entry->options == "rw,nosuid,nodev,relatime",
                   "options read back as '" + printable(entry->options) + "' from " + printable(line));
  HAVEN_FUZZ_CHECK(entry->type == escaped_type, "type '" + printable(escaped_type) + "' read back as '" +
                                                    printable(entry->type) + "' from " + printable(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  // Unescaping undoes the kernel's escaping, for any bytes.
  const std::string any(body.substr(0, 512));
  HAVEN_FUZZ_CHECK(unescape_mount_field(kernel_escape(any)) == any,
                   "unescape(escape(x)) != x for x = " + printable(any));
  HAVEN_FUZZ_CHECK(unescape_mount_field(any).size() <= any.size(), "unescaping made " + printable(any) + " longer");

  if (data[0] % 2 == 1) {
    check_round_trip(body);
    return 0;
  }
  for (const auto line : split(body, '\n')) {
    const auto entry = parse_mount_line(line);
    if (!entry) continue;
    for (const std::string* field : {&entry->id, &entry->parent_id, &entry->device, &entry->options, &entry->type})
      HAVEN_FUZZ_CHECK(field->find(' ') == std::string::npos,
                       "a field holds a space: '" + printable(*field) + "' from " + printable(line));
    HAVEN_FUZZ_CHECK(!entry->id.empty() && !entry->mount_point.empty(), "an entry without id or mount point from " +
                                                                            printable(line));
  }
  return 0;
}
