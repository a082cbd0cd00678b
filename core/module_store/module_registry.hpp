// The module registry (HavenPaths::module_registry(), JSON): the id of each installed module.
//
// The registry is the source of truth for ids; a module's folder is the source of truth
// for its presence. ModuleStore reconciles the two when it opens (see module_store.hpp).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "haven/result.hpp"

namespace haven {

/// Module name -> id. File format: {"version": 1, "modules": {"NAME": {"id": 1}, ...}}.
struct ModuleRegistry {
  std::map<std::string, int> ids;

  /// The module holding `id`, if any.
  std::optional<std::string> owner_of(int id) const;
  /// The smallest id in kMinModuleId..kMaxModuleId that no module holds.
  std::optional<int> smallest_free_id() const;
};

/// Reads the registry; an empty one when the file does not exist. parse_error, naming the
/// file and what is wrong, when it is not a registry.
Result<ModuleRegistry> load_module_registry(const std::filesystem::path& file);

/// Replaces the registry atomically (write_file_atomically).
Status save_module_registry(const std::filesystem::path& file, const ModuleRegistry& registry);

}  // namespace haven
