#include "module_store/module_registry.hpp"

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "module_store/module_name.hpp"
#include "module_store/module_ports.hpp"

namespace haven {

std::optional<std::string> ModuleRegistry::owner_of(int id) const {
  for (const auto& [name, owned] : ids) {
    if (owned == id) return name;
  }
  return std::nullopt;
}

std::optional<int> ModuleRegistry::smallest_free_id() const {
  for (int id = kMinModuleId; id <= kMaxModuleId; ++id) {
    if (!owner_of(id)) return id;
  }
  return std::nullopt;
}

Result<ModuleRegistry> load_module_registry(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text.ok()) {
    if (text.error().code == Errc::not_found) return ModuleRegistry{};
    return std::move(text).error();
  }
  auto broken = [&](const std::string& what) {
    return fail(Errc::parse_error, "module registry " + file.string() + ": " + what +
                                       "; expected {\"version\": 1, \"modules\": {\"NAME\": {\"id\": N}}}. "
                                       "Fix the file by hand (ids must match the other nodes)");
  };
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) return broken("not valid JSON");
  if (!doc.is_object() || !doc.contains("modules") || !doc["modules"].is_object()) return broken("no \"modules\" object");
  ModuleRegistry registry;
  for (const auto& [name, entry] : doc["modules"].items()) {
    if (!check_module_name(name).ok()) return broken("module name '" + name + "' is not valid");
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer()) {
      return broken("module '" + name + "' has no integer \"id\"");
    }
    // Range-checked whole before it is narrowed: get<int>() would read 4294967297 as 1.
    const auto whole = entry["id"].get<std::int64_t>();
    if (whole < kMinModuleId || whole > kMaxModuleId) {
      return broken("module '" + name + "' has id " + entry["id"].dump() + ", outside " +
                    std::to_string(kMinModuleId) + ".." + std::to_string(kMaxModuleId));
    }
    const int id = static_cast<int>(whole);
    if (auto owner = registry.owner_of(id)) {
      return broken("modules '" + *owner + "' and '" + name + "' both have id " + std::to_string(id));
    }
    registry.ids[name] = id;
  }
  return registry;
}

Status save_module_registry(const std::filesystem::path& file, const ModuleRegistry& registry) {
  nlohmann::json modules = nlohmann::json::object();
  for (const auto& [name, id] : registry.ids) modules[name] = {{"id", id}};
  nlohmann::json doc = {{"version", 1}, {"modules", modules}};
  return write_file_atomically(file, doc.dump(2) + "\n");
}

}  // namespace haven
