// Whether a process of this node is the postmaster of one data directory. What decides is
// what the kernel says of the process (/proc/<pid>/exe and cwd: a postmaster changes into its
// data directory), never what postmaster.pid says: that file travels with the replicated data.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haven/result.hpp"

namespace haven::postgresql {

/// A file's identity: device and inode, as stat() gives them.
struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileId&) const = default;
};

/// The identity of `path` (after links), or an error naming it.
Result<FileId> file_id(const std::filesystem::path& path);

/// What /proc says of one process; only `pid` and `exists` when it does not exist.
struct ProcessFacts {
  pid_t pid = 0;
  bool exists = false;
  std::string exe;                ///< /proc/<pid>/exe's target, "" when unreadable
  std::vector<std::string> argv;  ///< /proc/<pid>/cmdline
  std::string cwd;                ///< /proc/<pid>/cwd's target, for messages
  std::optional<FileId> cwd_id;   ///< stat of /proc/<pid>/cwd, unset when unreadable
};

/// Reads the facts of `pid` under `proc` (/proc; tests may point elsewhere).
ProcessFacts read_process_facts(pid_t pid, const std::filesystem::path& proc = "/proc");

/// The decision, pure: ok when `facts` describe a postmaster of the data directory whose
/// identity is `data` (`data_path` for messages): the process exists, its executable is
/// named postgres or postmaster, its working directory is that directory, and its command
/// line is not a server process's title ("postgres: checkpointer", which a backend shows).
/// refused otherwise, naming the fact that differs; not_found when no such process exists.
Status judge_postmaster(const ProcessFacts& facts, const FileId& data, std::string_view data_path);

/// read_process_facts, then judge_postmaster against `data`'s identity.
Status verify_postmaster(pid_t pid, const std::filesystem::path& data);

/// Every process whose executable is postgres or postmaster and whose working directory is
/// `data` (the postmaster and its server processes), for the last sweep of a forced stop.
std::vector<pid_t> processes_in_data_directory(const std::filesystem::path& data,
                                               const std::filesystem::path& proc = "/proc");

}  // namespace haven::postgresql
