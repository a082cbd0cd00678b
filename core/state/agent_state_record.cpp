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
  // Looked at in place, never copied (copying a value nested deep recurses), and only a state's
  // name is taken: anything else is a record that cannot be parsed.
  const auto record = nlohmann::json::parse(*text, nullptr, false);
  if (record.is_object()) {
    const auto state = record.find("state");
    if (state != record.end() && state->is_string()) {
      const auto& name = state->get_ref<const std::string&>();
      for (auto known : {ModuleState::stop, ModuleState::wait, ModuleState::alone, ModuleState::prim, ModuleState::second, ModuleState::up})
        if (name == to_string(known)) return name;
    }
  }
  return std::string("UNKNOWN");
}

}  // namespace haven
