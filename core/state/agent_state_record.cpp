#include "state/agent_state_record.hpp"

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"

namespace haven {

Status save_agent_state(const std::filesystem::path& file, ModuleState state, SubState sub) {
  const nlohmann::json record{{"state", to_string(state)}, {"substate", to_string(sub)}};
  return write_file_atomically(file, record.dump() + "\n");
}

std::optional<std::string> load_agent_state(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text.ok()) return std::nullopt;
  try {
    auto state = nlohmann::json::parse(*text).at("state");
    if (state.is_string()) return state.get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return std::string("UNKNOWN");
}

}  // namespace haven
