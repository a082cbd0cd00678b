// The modules installed on a node: install from a `.safe` archive, list, find, uninstall,
// package back into an archive. Folders live in HavenPaths::modules_dir(), ids in
// HavenPaths::module_registry().
//
// Crash consistency: a module's folder is the truth for "installed", the registry the
// truth for its id. Install extracts into modules_dir()/.install-NAME-RANDOM, validates,
// writes the registry, then renames the folder into place; uninstall renames the folder
// to .uninstall-NAME-RANDOM, writes the registry, then deletes it. Every operation first
// takes the store's lock (modules_dir()/.lock) and repairs what an interrupted operation
// left: .install-* folders are deleted; a .uninstall-NAME-* folder is put back when NAME has
// no folder but is still registered (the operation did not reach its commit point, the
// registry write), deleted otherwise; registry entries without a folder
// are dropped, and a folder without an id (copied there by hand) gets the smallest free id.
// So a crash at any point leaves either the old module or the new one, never a half one.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/haven_paths.hpp"
#include "haven/result.hpp"
#include "module_store/archive_limits.hpp"
#include "module_store/module_ports.hpp"
#include "module_store/module_registry.hpp"

namespace haven {

/// An installed module, as `haven module list` shows it.
struct ModuleEntry {
  std::string name;
  int id = 0;
  std::filesystem::path dir;  ///< holds conf/userconfig.xml and bin/
  ModulePorts ports;          ///< ports_for_id(id)
};

/// {"name": ..., "id": ..., "dir": ..., "ports": {"heartbeat_udp": ..., "replication_tcp": ...,
/// "farm_udp": ...}}, for `haven module list --json`.
nlohmann::json to_json(const ModuleEntry& entry);

/// Checks a staged module folder before it is installed (the lead passes the
/// configuration check). An error refuses the install; its message is returned as is.
using ModuleValidator = std::function<Status(const std::filesystem::path& staged_dir)>;

/// Not thread-safe; processes are serialised by the store's lock file, so the CLI and the
/// daemon may use the store at the same time.
class ModuleStore {
 public:
  explicit ModuleStore(HavenPaths paths, ArchiveLimits limits = {});

  /// Installs `archive` as module `name` (default: module_name_from_archive). `id` forces
  /// the module's id (kMinModuleId..kMaxModuleId), refused when another module holds it;
  /// without it a new module gets the smallest free id and a replaced one keeps its own.
  /// A module of that name already installed is an error unless `replace` is true; it is
  /// then swapped atomically with the new one. `validate` may be empty.
  Result<ModuleEntry> install(const std::filesystem::path& archive, std::optional<std::string> name,
                              std::optional<int> id, const ModuleValidator& validate, bool replace = false);

  /// Removes module `name`: its folder and its registry entry. not_found when absent.
  /// Stopping the module first is the caller's job.
  Status uninstall(const std::string& name);

  /// The installed modules, sorted by name. A user who may read but not write the store
  /// (not root, not the lock's owner) gets the list without the repair.
  Result<std::vector<ModuleEntry>> list();

  /// One installed module; not_found, listing the installed ones, when absent.
  Result<ModuleEntry> find(const std::string& name);

  /// Writes module `name` as a zip `.safe` archive at `out` (a temporary file beside it,
  /// then a rename, so `out` is never half written). `out`'s folder must exist.
  Status package(const std::string& name, const std::filesystem::path& out);

  const HavenPaths& paths() const { return paths_; }

 private:
  /// The registry reconciled with the folders; with `may_write` false (a reader without
  /// write access to the store) nothing on disk is changed and leftovers are ignored.
  Result<ModuleRegistry> open_and_repair(bool may_write = true);
  ModuleEntry entry_for(const std::string& name, int id) const;
  Result<ModuleEntry> install_locked(const std::filesystem::path& archive, const std::string& name,
                                     std::optional<int> id, const ModuleValidator& validate, bool replace);

  HavenPaths paths_;
  ArchiveLimits limits_;
};

}  // namespace haven
