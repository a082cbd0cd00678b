// Whether a process of this node is the MariaDB/MySQL server of one datadir. What decides is
// what the kernel says of the process (/proc/<pid>/exe, its command line's --datadir seen from
// its own mount namespace, its cwd: the server changes into its datadir), never what a pid
// file says.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haven/result.hpp"

namespace haven::mysql {

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
  std::string exe;                   ///< /proc/<pid>/exe's target, "" when unreadable
  std::vector<std::string> argv;     ///< /proc/<pid>/cmdline
  std::string datadir;               ///< the --datadir (or -h) of argv, "" when absent
  std::optional<FileId> datadir_id;  ///< stat of that path through /proc/<pid>/root (its mounts)
  std::string cwd;                   ///< /proc/<pid>/cwd's target, for messages
  std::optional<FileId> cwd_id;      ///< stat of /proc/<pid>/cwd, unset when unreadable
};

/// Pure: the value of --datadir=X, --datadir X or -h X / -hX in `argv` (the last wins, as the
/// server reads it), "" when none.
std::string datadir_argument(const std::vector<std::string>& argv);

/// Pure: whether `exe` (a /proc/<pid>/exe target, maybe " (deleted)") is named mariadbd or mysqld.
bool is_server_program(std::string_view exe);

/// Reads the facts of `pid` under `proc` (/proc; tests may point elsewhere).
ProcessFacts read_process_facts(pid_t pid, const std::filesystem::path& proc = "/proc");

/// The decision, pure: ok when `facts` describe a server of the datadir whose identity is
/// `data` (`data_path` for messages): the process exists, its program is mariadbd or mysqld,
/// and its command line's --datadir is that folder, or, without --datadir (an option file gave
/// it), its working directory is. refused naming the fact that differs; not_found when no such
/// process exists.
Status judge_server(const ProcessFacts& facts, const FileId& data, std::string_view data_path);

/// read_process_facts, then judge_server against `data`'s identity.
Status verify_server(pid_t pid, const std::filesystem::path& data);

/// Every process of this node that judge_server accepts for `data`: the server when its pid
/// file is lost or names something else.
std::vector<pid_t> servers_of_datadir(const std::filesystem::path& data, const std::filesystem::path& proc = "/proc");

}  // namespace haven::mysql
