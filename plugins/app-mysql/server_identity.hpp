// Whether a process of this node is the MariaDB/MySQL server of one datadir. What decides is
// what the kernel says of the process, through the host's process facts (its executable, its
// command line's --datadir seen from its own mount namespace, its cwd: the server changes into
// its datadir), never what a pid file says. This file holds the judgment; the host reads /proc.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haven/host_context.hpp"
#include "haven/process_facts.hpp"
#include "haven/result.hpp"

namespace haven::mysql {

/// The program names of a server: MariaDB's, then MySQL's.
std::vector<std::string> server_programs();

/// What the judgment needs of one process: the host's facts, plus the --datadir of its command
/// line and that folder's identity as the process sees it.
struct ServerFacts {
  ProcessFacts process;
  std::string datadir;               ///< the --datadir (or -h) of process.argv, "" when absent
  std::optional<FileId> datadir_id;  ///< its identity seen by the process, unset when unknown
};

/// Pure: the value of --datadir=X, --datadir X or -h X / -hX in `argv` (the last wins, as the
/// server reads it), "" when none.
std::string datadir_argument(const std::vector<std::string>& argv);

/// Pure: whether `exe` (ProcessFacts::exe, maybe ending " (deleted)") is named mariadbd or mysqld.
bool is_server_program(std::string_view exe);

/// `process` with its --datadir and, through `host`, that folder's identity as it sees it.
ServerFacts server_facts(HostContext& host, ProcessFacts process);

/// The decision, pure: ok when `facts` describe a server of the datadir whose identity is
/// `data` (`data_path` for messages): its program is mariadbd or mysqld, and its command
/// line's --datadir is that folder, or, without --datadir (an option file gave it), its
/// working directory is. refused naming the fact that differs.
Status judge_server(const ServerFacts& facts, const FileId& data, std::string_view data_path);

/// The host's facts of `pid`, then judge_server against `data`'s identity; not_found when no
/// process has that pid, the host's error when it gives no facts.
Status verify_server(HostContext& host, pid_t pid, const std::filesystem::path& data);

/// Every process of this node that judge_server accepts for `data`, in pid order: the server
/// when its pid file is lost or names something else. Empty when there is none, and when the
/// host cannot say (nothing unverified is ever returned).
std::vector<pid_t> servers_of_datadir(HostContext& host, const std::filesystem::path& data);

}  // namespace haven::mysql
