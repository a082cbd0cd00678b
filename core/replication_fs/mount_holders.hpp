// Which processes keep a mount busy: after a primary's forced stop, the ones still holding
// files in a replicated directory are named in the module log and, when the module asks for
// it (<rfs killholders="on">), killed before the file system is detached.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace haven::replication_fs {

/// One process that uses the mount, and how (the first use found).
struct MountHolder {
  pid_t pid = 0;
  std::string command;  ///< /proc/PID/comm
  std::string use;      ///< "fd 3 /srv/data/journal", "cwd /srv/data", "mmap /srv/data/x"
};

/// The processes other than this one with an open file, their working or root directory, or a
/// mapped file on the topmost mount at `dir`. Reads /proc only (mount ids in fdinfo, devices in
/// maps): never touches the mount, so a hung file system does not hang it. Empty when nothing
/// is mounted there or /proc cannot be read.
std::vector<MountHolder> find_mount_holders(const std::filesystem::path& dir);

/// "1234 (python3: fd 3 /srv/data/journal), 1240 (sh: cwd /srv/data)".
std::string describe_holders(const std::vector<MountHolder>& holders);

/// Sends SIGKILL to each holder, then waits (at most `wait`) until they are gone. Returns the
/// ones still alive then.
std::vector<MountHolder> kill_holders(const std::vector<MountHolder>& holders, std::chrono::milliseconds wait);

}  // namespace haven::replication_fs
