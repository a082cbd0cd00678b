// The processes of a module on this node, for `haven dump` and `haven snapshot`: its agent,
// everything the agent started (hooks and their children), and the programs hooks left
// running in the background (they carry the module's hook environment).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace haven::cli {

/// One line of the process table, as /proc shows it.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string command;                      ///< the command line, arguments joined by spaces
  std::map<std::string, std::string> env;   ///< only SAFEMODULE and SAFEUSERVAR are kept
};

/// A process that belongs to a module, and why it is counted.
struct ModuleProcess {
  ProcessInfo process;
  std::string why;  ///< "agent", "started by the agent (pid N)", "hook environment"
};

/// Pure: the module's processes in `table`: the agent (`agent_pid`, when one runs), its
/// descendants, and every process whose environment says SAFEMODULE=`module` and
/// SAFEUSERVAR=`user_var_dir` (this node's module, not a namesake on another test node).
/// Sorted by pid.
std::vector<ModuleProcess> select_module_processes(const std::vector<ProcessInfo>& table,
                                                   std::optional<pid_t> agent_pid, const std::string& module,
                                                   const std::string& user_var_dir);

/// The live processes of this machine read from /proc (zombies left out); a process that ends
/// while it is read is skipped.
std::vector<ProcessInfo> read_process_table();

/// [{"pid", "ppid", "command", "why"}, ...]
nlohmann::json to_json(const std::vector<ModuleProcess>& processes);

}  // namespace haven::cli
