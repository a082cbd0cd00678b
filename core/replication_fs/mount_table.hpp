// The calling process's mount table (/proc/self/mountinfo), read without touching the mount
// points themselves: a dead FUSE mount answers ENOTCONN to stat, the table still lists it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace haven::replication_fs::detail {

/// One line of /proc/self/mountinfo, the fields we use.
struct MountEntry {
  std::string id;
  std::string parent_id;
  std::string device;      ///< "major:minor"
  std::string root;        ///< what of its file system the mount shows ("/", or a bound folder)
  std::string mount_point;
  std::string options;     ///< per-mount: "ro,nosuid,..."
  std::string type;        ///< "fuse.haven", "ext4"
};

/// The topmost mount at `mount_point` (absolute, normalised), or nullopt when nothing is
/// mounted exactly there.
std::optional<MountEntry> top_mount(const std::string& mount_point);

/// The mount with this id, or nullopt.
std::optional<MountEntry> mount_by_id(const std::string& id);

/// The file system type of the topmost mount at `mount_point` ("fuse.haven"), or nullopt.
std::optional<std::string> top_mount_type(const std::string& mount_point);

/// The path the mount table shows for `dir`: symlinks above it resolved, `dir` itself not
/// touched (it may be a dead mount).
std::string mount_point_of(const std::filesystem::path& dir);

/// "/a/b\\040c" (mountinfo's octal escapes) -> "/a/b c".
std::string unescape_mount_field(const std::string& field);

/// One line of /proc/self/mountinfo, without its newline ("36 35 98:0 /mnt1 /mnt2 rw,noatime
/// master:1 - ext3 /dev/root rw"), root and mount point unescaped. Fields are separated by
/// spaces only, as the kernel writes them: a path keeps any other byte (tab, newline, space
/// and backslash come escaped as \ooo; \r, \v or \f do not). nullopt when the line has
/// fewer than the six leading fields. Pure.
std::optional<MountEntry> parse_mount_line(std::string_view line);

inline constexpr const char* kHavenFsType = "fuse.haven";

}  // namespace haven::replication_fs::detail
