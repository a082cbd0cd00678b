// haven SDK: what the kernel says of a process of this node (HostContext::process_facts and
// its companions, ABI 2.1), so that a plugin decides whether a process is its application
// from facts the host read, never from a pid file, and without reading /proc itself.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haven/result.hpp"

namespace haven {

/// A file's identity: device and inode, as stat() gives them. Two paths name the same folder
/// exactly when their identities are equal, whatever links or mounts lead to them.
struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileId&) const = default;
};

/// The identity of `path` after links, or io_error naming the path and the system's reason.
inline Result<FileId> file_id(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail(Errc::io_error, "cannot stat " + path.string() + ": " + std::strerror(errno));
  return FileId{st.st_dev, st.st_ino};
}

/// What the host read of one live (or zombie) process. Facts it could not read stay empty:
/// a process of another user may hide its executable and working directory.
struct ProcessFacts {
  pid_t pid = 0;
  std::string exe;                ///< the executable's path (/proc/<pid>/exe); may end " (deleted)"; "" unreadable
  std::vector<std::string> argv;  ///< the command line, as the process shows it (it may rewrite it)
  std::string cwd;                ///< the working directory's path, for messages; "" unreadable
  std::optional<FileId> cwd_id;   ///< the working directory's identity, unset when unreadable
  std::optional<uid_t> uid;       ///< the real user id, unset when unreadable
  bool zombie = false;            ///< ended, not yet reaped by its parent: gone for every purpose but its pid
};

/// Pure: the file name of an executable path as ProcessFacts::exe gives it, without the
/// " (deleted)" the kernel adds once an upgrade replaced the file: "/usr/sbin/mariadbd
/// (deleted)" gives "mariadbd". What a plugin compares with its program names.
inline std::string program_name(std::string_view exe) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (exe.size() > kDeleted.size() && exe.substr(exe.size() - kDeleted.size()) == kDeleted)
    exe.remove_suffix(kDeleted.size());
  const auto slash = exe.rfind('/');
  return std::string(slash == std::string_view::npos ? exe : exe.substr(slash + 1));
}

}  // namespace haven
