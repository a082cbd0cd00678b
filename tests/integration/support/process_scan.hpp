// Finding processes by what they carry, through /proc: a hook's children have no pid the
// test knows, but they carry a marker in their command line or the node's root in their
// environment.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace haven::test {

/// Live processes (zombies excluded) whose command line, arguments joined by spaces,
/// contains `marker`. Never the calling process.
std::vector<pid_t> processes_with_cmdline(const std::string& marker);

/// Live processes whose command line or environment contains `text` (only processes of
/// this user have a readable environment). Never the calling process.
std::vector<pid_t> processes_mentioning(const std::string& text);

/// "pid: command line" for each pid, for assertion messages.
std::string describe_processes(const std::vector<pid_t>& pids);

}  // namespace haven::test
