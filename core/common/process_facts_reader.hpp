// The host's process facts (HostContext::process_facts, processes_running, process_file_id):
// read from a /proc tree, for application plugins that must verify a process before they
// signal it. Reads only; never signals or changes anything.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "haven/process_facts.hpp"
#include "haven/result.hpp"

namespace haven {

/// The facts of process `pid` under `proc` (/proc; tests point at a fake tree): exe and cwd
/// links, cmdline split at its NULs, the real uid of status, the zombie state of stat. A fact
/// that cannot be read stays empty. not_found naming the pid when `proc` has no such process.
Result<ProcessFacts> read_process_facts(pid_t pid, const std::filesystem::path& proc = "/proc");

/// The facts of every process under `proc` whose program_name(exe) is one of `programs`, in
/// pid order (processes that end meanwhile are left out). io_error when `proc` cannot be listed.
Result<std::vector<ProcessFacts>> read_processes_running(const std::vector<std::string>& programs,
                                                         const std::filesystem::path& proc = "/proc");

/// The identity of `path` as process `pid` sees it: an absolute path through <proc>/<pid>/root,
/// a relative one through <proc>/<pid>/cwd. not_found when there is no such process, io_error
/// naming the path and the pid when it cannot be stat'ed there.
Result<FileId> read_process_file_id(pid_t pid, const std::filesystem::path& path,
                                    const std::filesystem::path& proc = "/proc");

}  // namespace haven
