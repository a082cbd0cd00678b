// What a running node says of a module at this moment, for `haven dump` and `haven snapshot`:
// its state and resources as havend answers them (`haven state --json`, `haven get --json`),
// its replication state, and its processes. What havend could not give is said, not guessed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli_context.hpp"

namespace haven::cli {

/// A file of facts: its name in the dump or snapshot folder ("state.json") and its text.
struct FactFile {
  std::string name;
  std::string content;
};

/// The facts gathered about one module.
struct ModuleFacts {
  std::vector<FactFile> files;
  /// One sentence per fact that could not be had ("state: havend is not running ..."); the
  /// same sentence is also in a file NAME-unavailable.txt among `files`.
  std::vector<std::string> unavailable;
};

/// Asks this node's havend for the module's state (state.json, as `haven --json state -m M`
/// prints it) and resources (resources.json, as `haven --json get -m M`), takes the
/// replication part of the state (replication.json) and the checkers (checkers.json), and
/// lists the module's processes (processes.json: the agent, what it started, what hooks
/// left running). Each request waits at most `timeout_s`.
ModuleFacts gather_module_facts(const CliContext& ctx, const std::string& module, int timeout_s = 10);

}  // namespace haven::cli
