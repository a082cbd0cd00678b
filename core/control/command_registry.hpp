// Every command of haven in one table: what the CLI offers and says of it, whether it goes to
// a module, whether `-H` may send it to other nodes, whether havend starts the module's
// agent for it, and which behaviour command it becomes. The CLI, havend, the agent and the
// remote fan-out all read this table instead of keeping lists of their own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "haven/behaviour.hpp"

namespace haven {

struct CommandSpec {
  std::string_view name;     ///< as typed: "prim"
  std::string_view summary;  ///< the CLI's help line
  bool module = false;       ///< acts on one module (-m MODULE)
  bool remote = false;       ///< `haven -H NODES` may send it to other nodes
  /// havend starts the module's agent for it when none runs (otherwise the command is
  /// refused, or a stop answered "already stopped").
  bool starts_agent = false;
  /// The command the module's behaviour receives, when it is one.
  std::optional<Command> behaviour;
  /// After it the state machine must hear its peer before it leaves WAIT.
  bool waits_for_peer = false;
  /// A stop of the module: answered "already stopped" when no agent runs.
  bool stops = false;
  /// Takes the optional argument `fullsync` (resynchronise all data).
  bool takes_fullsync = false;
};

/// The whole table, in the order the CLI lists the commands.
const std::vector<CommandSpec>& command_registry();

/// The command named `name`, or nullptr.
const CommandSpec* find_command(std::string_view name);

/// The names of the commands `haven -H` may send, comma-separated, for error messages.
std::string remote_command_list();

}  // namespace haven
