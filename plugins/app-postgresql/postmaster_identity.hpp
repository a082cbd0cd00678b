// Whether a process of this node is the postmaster of one data directory. What decides is
// what the kernel says of the process, through the host's process facts (its executable and
// its working directory: a postmaster changes into its data directory), never what
// postmaster.pid says: that file travels with the replicated data. This file holds the
// judgment; the host reads /proc.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "haven/host_context.hpp"
#include "haven/process_facts.hpp"
#include "haven/result.hpp"

namespace haven::postgresql {

/// The program names of a PostgreSQL server process.
std::vector<std::string> server_programs();

/// The decision, pure: ok when `facts` describe a postmaster of the data directory whose
/// identity is `data` (`data_path` for messages): its executable is named postgres or
/// postmaster, its working directory is that directory, and its command line is not a server
/// process's title ("postgres: checkpointer", which a backend shows). refused otherwise,
/// naming the fact that differs.
Status judge_postmaster(const ProcessFacts& facts, const FileId& data, std::string_view data_path);

/// The host's facts of `pid`, then judge_postmaster against `data`'s identity; not_found when
/// no process has that pid, the host's error when it gives no facts.
Status verify_postmaster(HostContext& host, pid_t pid, const std::filesystem::path& data);

/// Every process whose executable is postgres or postmaster and whose working directory is
/// `data` (the postmaster and its server processes), for the last sweep of a forced stop, in
/// pid order. Empty when there is none, and when the host cannot say.
std::vector<pid_t> processes_in_data_directory(HostContext& host, const std::filesystem::path& data);

}  // namespace haven::postgresql
