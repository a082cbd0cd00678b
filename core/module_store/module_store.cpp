#include "module_store/module_store.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "module_store/module_archive_reader.hpp"
#include "module_store/module_archive_writer.hpp"
#include "module_store/module_name.hpp"

namespace haven {
namespace {

constexpr std::string_view kInstallPrefix = ".install-";
constexpr std::string_view kUninstallPrefix = ".uninstall-";
constexpr std::size_t kRandomLength = 8;

Error os_error(const std::string& what, const std::filesystem::path& path, int err) {
  return fail(Errc::io_error, what + " " + path.string() + ": " + std::strerror(err));
}

std::string random_suffix() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string text;
  for (std::size_t i = 0; i < kRandomLength; ++i) text.push_back(kHex[device() % 16]);
  return text;
}

// The module a .install-NAME-XXXXXXXX / .uninstall-NAME-XXXXXXXX folder belongs to.
std::optional<std::string> module_of_work_folder(const std::string& folder, std::string_view prefix) {
  if (!folder.starts_with(prefix) || folder.size() < prefix.size() + 1 + kRandomLength + 1) return std::nullopt;
  return folder.substr(prefix.size(), folder.size() - prefix.size() - 1 - kRandomLength);
}

Status remove_tree(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return fail(Errc::io_error, "cannot remove " + dir.string() + ": " + ec.message());
  return ok_status();
}

Status rename_path(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return os_error("cannot rename " + from.string() + " to", to, errno);
  return ok_status();
}

// Serialises store operations between processes (CLI and daemon): flock on modules_dir/.lock.
class StoreLock {
 public:
  static Result<StoreLock> take(const std::filesystem::path& modules_dir) {
    std::error_code ec;
    std::filesystem::create_directories(modules_dir, ec);
    if (ec) {
      const bool denied = ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted ||
                          ec == std::errc::read_only_file_system;
      return fail(denied ? Errc::refused : Errc::io_error,
                  "cannot create the modules folder " + modules_dir.string() + ": " + ec.message());
    }
    auto file = modules_dir / ".lock";
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
      return fail(Errc::refused, "cannot open the module store lock " + file.string() + ": " + std::strerror(errno) +
                                     "; changing modules needs root");
    }
    if (fd < 0) return os_error("cannot open the module store lock", file, errno);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        int err = errno;
        ::close(fd);
        return os_error("cannot lock", file, err);
      }
    }
    return StoreLock(fd);
  }
  StoreLock(StoreLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  StoreLock& operator=(StoreLock&&) = delete;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_;
};

// Runs a store operation, turning a stray exception into an error at the component's edge.
template <typename F>
auto guarded(const std::string& what, F&& operation) -> decltype(operation()) {
  try {
    return operation();
  } catch (const std::exception& e) {
    return fail(Errc::internal, what + " failed unexpectedly: " + e.what());
  } catch (...) {
    return fail(Errc::internal, what + " failed unexpectedly (an exception that is not a std::exception)");
  }
}

}  // namespace

nlohmann::json to_json(const ModuleEntry& entry) {
  return {{"name", entry.name},
          {"id", entry.id},
          {"dir", entry.dir.string()},
          {"ports",
           {{"heartbeat_udp", entry.ports.heartbeat_udp},
            {"replication_tcp", entry.ports.replication_tcp},
            {"farm_udp", entry.ports.farm_udp}}}};
}

ModuleStore::ModuleStore(HavenPaths paths, ArchiveLimits limits) : paths_(std::move(paths)), limits_(limits) {}

ModuleEntry ModuleStore::entry_for(const std::string& name, int id) const {
  return ModuleEntry{name, id, paths_.module_dir(name), ports_for_id(id)};
}

Result<ModuleRegistry> ModuleStore::open_and_repair(bool may_write) {
  const auto dir = paths_.modules_dir();
  auto loaded = load_module_registry(paths_.module_registry());
  if (!loaded.ok()) return loaded;
  ModuleRegistry registry = std::move(loaded).value();
  const ModuleRegistry before = registry;
  std::error_code ec;

  std::vector<std::string> folders;
  std::vector<std::filesystem::path> leftovers;
  const bool listable = may_write || std::filesystem::exists(dir, ec);
  for (auto it = listable ? std::filesystem::directory_iterator(dir, ec) : std::filesystem::directory_iterator();
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    if (file.starts_with(kInstallPrefix) || file.starts_with(kUninstallPrefix)) {
      if (may_write) leftovers.push_back(it->path());
    } else if (check_module_name(file).ok()) {
      folders.push_back(file);
    }
  }
  if (ec) return fail(Errc::io_error, "cannot list the modules folder " + dir.string() + ": " + ec.message());

  for (const auto& leftover : leftovers) {
    auto name = module_of_work_folder(leftover.filename().string(), kUninstallPrefix);
    const bool interrupted = name && registry.ids.contains(*name) && !std::filesystem::exists(dir / *name, ec);
    if (interrupted) {
      if (auto st = rename_path(leftover, dir / *name); !st.ok()) return std::move(st).error();
      folders.push_back(*name);
    } else if (auto st = remove_tree(leftover); !st.ok()) {
      return std::move(st).error();
    }
  }

  ModuleRegistry repaired;
  for (const auto& name : folders) {
    if (auto it = registry.ids.find(name); it != registry.ids.end()) repaired.ids[name] = it->second;
  }
  for (const auto& name : folders) {
    if (repaired.ids.contains(name)) continue;
    auto id = repaired.smallest_free_id();
    if (!id) {
      return fail(Errc::refused, "module folder " + (dir / name).string() + " has no id and all ids " +
                                     std::to_string(kMinModuleId) + ".." + std::to_string(kMaxModuleId) +
                                     " are taken; uninstall a module or remove that folder");
    }
    repaired.ids[name] = *id;
  }
  if (may_write && repaired.ids != before.ids) {
    if (auto st = save_module_registry(paths_.module_registry(), repaired); !st.ok()) return std::move(st).error();
  }
  if (!leftovers.empty()) {
    if (auto st = sync_directory(dir); !st.ok()) return std::move(st).error();
  }
  return repaired;
}

Result<ModuleEntry> ModuleStore::install(const std::filesystem::path& archive, std::optional<std::string> name,
                                         std::optional<int> id, const ModuleValidator& validate, bool replace) {
  return guarded("installing module archive " + archive.string(), [&]() -> Result<ModuleEntry> {
    const std::string module = name ? *name : module_name_from_archive(archive);
    if (auto st = check_module_name(module); !st.ok()) {
      if (name) return std::move(st).error();
      return fail(Errc::invalid_argument, "the archive's file name " + archive.filename().string() +
                                              " does not give a valid module name ('" + module +
                                              "'): name it with -m NAME, 1 to 32 letters, digits, '_' or '-'");
    }
    if (id && (*id < kMinModuleId || *id > kMaxModuleId)) {
      return fail(Errc::invalid_argument, "module id " + std::to_string(*id) + " is out of range: expected " +
                                              std::to_string(kMinModuleId) + " to " + std::to_string(kMaxModuleId));
    }
    auto lock = StoreLock::take(paths_.modules_dir());
    if (!lock.ok()) return std::move(lock).error();
    return install_locked(archive, module, id, validate, replace);
  });
}

Result<ModuleEntry> ModuleStore::install_locked(const std::filesystem::path& archive, const std::string& name,
                                                std::optional<int> id, const ModuleValidator& validate,
                                                bool replace) {
  auto opened = open_and_repair();
  if (!opened.ok()) return std::move(opened).error();
  ModuleRegistry registry = std::move(opened).value();
  const auto dir = paths_.modules_dir();
  const auto target = paths_.module_dir(name);
  const bool exists = registry.ids.contains(name);
  if (exists && !replace) {
    return fail(Errc::already_exists, "module '" + name + "' is already installed in " + target.string() +
                                          "; uninstall it first, or install again with replace");
  }

  int chosen = 0;
  if (id) {
    if (auto owner = registry.owner_of(*id); owner && *owner != name) {
      return fail(Errc::already_exists, "module id " + std::to_string(*id) + " is already used by module '" + *owner +
                                            "'; choose another id (see haven module listid) or omit -M");
    }
    chosen = *id;
  } else if (exists) {
    chosen = registry.ids[name];
  } else if (auto free = registry.smallest_free_id()) {
    chosen = *free;
  } else {
    return fail(Errc::refused, "cannot install module '" + name + "': all ids " + std::to_string(kMinModuleId) +
                                   ".." + std::to_string(kMaxModuleId) + " are used");
  }

  const auto staged = dir / (std::string(kInstallPrefix) + name + "-" + random_suffix());
  std::error_code ec;
  if (!std::filesystem::create_directory(staged, ec) || ec) {
    return fail(Errc::io_error, "cannot create the staging folder " + staged.string() + ": " + ec.message());
  }
  // Removed however this function leaves, an exception included (the renames below leave
  // nothing there, or the old module after an exchange).
  struct StagingCleanup {
    std::filesystem::path folder;
    ~StagingCleanup() {
      std::error_code ignored;
      if (std::filesystem::exists(folder, ignored)) (void)remove_tree(folder);
    }
  } cleanup{staged};
  if (auto st = extract_module_archive(archive, staged, limits_); !st.ok()) return std::move(st).error();
  if (validate) {
    Status valid = ok_status();
    try {
      valid = validate(staged);
    } catch (const std::exception& e) {
      valid = fail(Errc::internal, "the check of module '" + name + "' failed unexpectedly: " + e.what());
    }
    if (!valid.ok()) return std::move(valid).error();
  }

  const ModuleRegistry previous = registry;
  registry.ids[name] = chosen;
  if (auto st = save_module_registry(paths_.module_registry(), registry); !st.ok()) return std::move(st).error();
  auto undo_registry = [&](Error error) -> Result<ModuleEntry> {
    (void)save_module_registry(paths_.module_registry(), previous);
    return error;
  };

  if (!exists) {
    if (auto st = rename_path(staged, target); !st.ok()) return undo_registry(std::move(st).error());
  } else if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS) return undo_registry(os_error("cannot swap in the new module", target, errno));
    // No atomic exchange on this file system: the old folder steps aside under a name
    // that the repair puts back if we stop before the new one is in place.
    const auto aside = dir / (std::string(kUninstallPrefix) + name + "-" + random_suffix());
    if (auto st = rename_path(target, aside); !st.ok()) return undo_registry(std::move(st).error());
    if (auto st = rename_path(staged, target); !st.ok()) {
      (void)rename_path(aside, target);
      return undo_registry(std::move(st).error());
    }
    (void)remove_tree(aside);
  }
  if (auto st = sync_directory(dir); !st.ok()) return std::move(st).error();
  return entry_for(name, chosen);  // after an exchange the staging name holds the old module: cleanup removes it
}

Status ModuleStore::uninstall(const std::string& name) {
  return guarded("uninstalling module " + name, [&]() -> Status {
    if (auto st = check_module_name(name); !st.ok()) return st;
    auto lock = StoreLock::take(paths_.modules_dir());
    if (!lock.ok()) return std::move(lock).error();
    auto registry = open_and_repair();
    if (!registry.ok()) return std::move(registry).error();
    if (!registry->ids.contains(name)) {
      return fail(Errc::not_found, "module '" + name + "' is not installed on this node (see haven module list)");
    }
    const auto dir = paths_.modules_dir();
    const auto aside = dir / (std::string(kUninstallPrefix) + name + "-" + random_suffix());
    if (auto st = rename_path(paths_.module_dir(name), aside); !st.ok()) return st;
    if (auto st = sync_directory(dir); !st.ok()) return st;
    registry->ids.erase(name);
    // The commit point: once the registry forgets the module, the repair deletes `aside`.
    if (auto st = save_module_registry(paths_.module_registry(), *registry); !st.ok()) {
      (void)rename_path(aside, paths_.module_dir(name));
      return st;
    }
    return remove_tree(aside);
  });
}

Result<std::vector<ModuleEntry>> ModuleStore::list() {
  return guarded("listing the modules", [&]() -> Result<std::vector<ModuleEntry>> {
    auto lock = StoreLock::take(paths_.modules_dir());
    const bool may_write = lock.ok();
    if (!may_write && lock.error().code != Errc::refused) return std::move(lock).error();
    auto registry = open_and_repair(may_write);
    if (!registry.ok()) return std::move(registry).error();
    std::vector<ModuleEntry> entries;
    for (const auto& [name, id] : registry->ids) entries.push_back(entry_for(name, id));
    return entries;
  });
}

Result<ModuleEntry> ModuleStore::find(const std::string& name) {
  auto entries = list();
  if (!entries.ok()) return std::move(entries).error();
  std::string installed;
  for (const auto& entry : *entries) {
    if (entry.name == name) return entry;
    installed += (installed.empty() ? "" : ", ") + entry.name;
  }
  return fail(Errc::not_found, "module '" + name + "' is not installed on this node (installed: " +
                                   (installed.empty() ? std::string("none") : installed) + ")");
}

Status ModuleStore::package(const std::string& name, const std::filesystem::path& out) {
  return guarded("packaging module " + name, [&]() -> Status {
    auto entry = find(name);
    if (!entry.ok()) return std::move(entry).error();
    auto folder = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) {
      return fail(Errc::not_found, "cannot write " + out.string() + ": folder " + folder.string() + " does not exist");
    }
    const auto temp = folder / ("." + out.filename().string() + ".tmp-" + random_suffix());
    auto discard = [&](Status st) {
      std::filesystem::remove(temp, ec);
      return st;
    };
    // The lock keeps an install or uninstall from changing the folder under us.
    auto lock = StoreLock::take(paths_.modules_dir());
    if (!lock.ok()) return std::move(lock).error();
    if (auto st = write_module_archive(entry->dir, temp); !st.ok()) return discard(std::move(st));
    int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      int err = errno;
      if (fd >= 0) ::close(fd);
      return discard(os_error("cannot fsync", temp, err));
    }
    ::close(fd);
    if (auto st = rename_path(temp, out); !st.ok()) return discard(std::move(st));
    return sync_directory(folder);
  });
}

}  // namespace haven
