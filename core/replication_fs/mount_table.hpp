// The calling process's mount table (/proc/self/mountinfo), read without touching the mount
// points themselves: a dead FUSE mount answers ENOTCONN to stat, the table still lists it.
#pragma once

#include <optional>
#include <string>

namespace haven::replication_fs::detail {

/// The file system type of the topmost mount at `mount_point` ("fuse.haven", "ext4"), or
/// nullopt when nothing is mounted exactly there. `mount_point` is absolute and normalised.
std::optional<std::string> top_mount_type(const std::string& mount_point);

/// "/a/b\\040c" (mountinfo's octal escapes) -> "/a/b c".
std::string unescape_mount_field(const std::string& field);

inline constexpr const char* kHavenFsType = "fuse.haven";

}  // namespace haven::replication_fs::detail
