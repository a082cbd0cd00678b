#include "batch_environment.hpp"

#include "batch_text.hpp"

namespace haven::cmd {

BatchEnvironment::BatchEnvironment(const std::map<std::string, std::string>& initial) {
  for (const auto& [name, value] : initial) set(name, value);
}

std::optional<std::string> BatchEnvironment::get(std::string_view name) const {
  const auto it = vars_.find(to_upper(name));
  if (it == vars_.end()) return std::nullopt;
  return it->second.second;
}

void BatchEnvironment::set(std::string_view name, std::string value) {
  const auto key = to_upper(name);
  if (value.empty()) {
    vars_.erase(key);
    return;
  }
  auto it = vars_.find(key);
  if (it == vars_.end()) vars_.emplace(key, std::make_pair(std::string(name), std::move(value)));
  else it->second.second = std::move(value);
}

std::vector<std::pair<std::string, std::string>> BatchEnvironment::entries() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, entry] : vars_) out.push_back(entry);
  return out;
}

std::vector<std::string> BatchEnvironment::to_envp() const {
  std::vector<std::string> out;
  for (const auto& [key, entry] : vars_) out.push_back(entry.first + "=" + entry.second);
  return out;
}

}  // namespace haven::cmd
