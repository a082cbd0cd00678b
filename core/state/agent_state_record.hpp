// The state a module's agent last entered, recorded so that havend knows, after the agent
// died, whether the module's application may still be running and needs its forced stop
// hooks. Kept in the run folder (HavenPaths::agent_state_file): it matters until the reboot.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "haven/behaviour.hpp"
#include "haven/result.hpp"

namespace haven {

/// Writes the record atomically. io_error naming the file when the system refuses.
[[nodiscard]] Status save_agent_state(const std::filesystem::path& file, ModuleState state, SubState sub);

/// The recorded state's name ("PRIM"), nullopt when there is no record. A record that
/// cannot be parsed gives "UNKNOWN": the caller must then clean up as if the module ran.
std::optional<std::string> load_agent_state(const std::filesystem::path& file);

}  // namespace haven
