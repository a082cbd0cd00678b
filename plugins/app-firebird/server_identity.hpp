// Whether a process of this node is the Firebird server of one data folder. What decides is
// what the kernel says of the process, through the host's process facts: its executable, and
// the data folder its command line names (the plugin starts it as `firebird DATA`: Firebird
// ignores the argument, and its working directory says nothing since the server moves to /tmp),
// compared by identity as the process sees it. Never what a pid file says. This file holds the
// judgment; the host reads /proc.
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

namespace haven::firebird {

/// The program names of a Firebird 3 server: the SuperServer's.
std::vector<std::string> server_programs();

/// What the judgment needs of one process: the host's facts, plus the data folder its command
/// line names and that folder's identity as the process sees it.
struct ServerFacts {
  ProcessFacts process;
  std::string data_argument;      ///< the last argument of process.argv that is not an option, "" when none
  std::optional<FileId> data_id;  ///< its identity seen by the process, unset when unknown
};

/// Pure: the last argument after argv[0] that does not start with '-' and is not the value of
/// an option that takes one (-p PORT, -e, -el, -s): the data folder, "" when none.
std::string data_argument(const std::vector<std::string>& argv);

/// Pure: whether `exe` (ProcessFacts::exe, maybe ending " (deleted)") is named firebird.
bool is_server_program(std::string_view exe);

/// `process` with its data argument and, through `host`, that folder's identity as it sees it.
ServerFacts server_facts(HostContext& host, ProcessFacts process);

/// The decision, pure: ok when `facts` describe a Firebird server of the data folder whose
/// identity is `data` (`data_path` for messages): its program is firebird and its command line
/// names that folder. refused naming the fact that differs.
Status judge_server(const ServerFacts& facts, const FileId& data, std::string_view data_path);

/// The host's facts of `pid`, then judge_server against `data`'s identity; not_found when no
/// process has that pid, the host's error when it gives no facts.
Status verify_server(HostContext& host, pid_t pid, const std::filesystem::path& data);

/// Every process of this node that judge_server accepts for `data`, in pid order: the server
/// when its pid file is lost or names something else. Empty when there is none, and when the
/// host cannot say (nothing unverified is ever returned).
std::vector<pid_t> servers_of_data(HostContext& host, const std::filesystem::path& data);

}  // namespace haven::firebird
