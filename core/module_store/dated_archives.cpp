#include "module_store/dated_archives.hpp"

#include "module_store/dated_archive_names.hpp"

namespace haven {
namespace fs = std::filesystem;

fs::path lastconfig_dir(const HavenPaths& paths) { return paths.var_dir() / "modules" / "lastconfig"; }
fs::path module_backup_dir(const HavenPaths& paths) { return paths.var_dir() / "modules" / "backup"; }

std::vector<fs::path> dated_module_archives(const std::string& module, const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  // Everything but the newest 0 is every archive, oldest first.
  std::vector<fs::path> out;
  for (const auto& n : dated_archives_beyond(module, names, 0)) out.push_back(folder / n);
  return out;
}

Result<DatedArchive> write_dated_module_archive(ModuleStore& store, const std::string& module, const fs::path& folder,
                                                std::chrono::system_clock::time_point now, std::optional<std::size_t> keep) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return fail(Errc::io_error, "cannot create the folder " + folder.string() + " for the archives of module " + module + ": " + ec.message());
  std::vector<std::string> names;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) return fail(Errc::io_error, "cannot list the folder " + folder.string() + ": " + ec.message());
  DatedArchive written;
  written.file = folder / next_dated_archive_name(module, now, names);
  if (auto st = store.package(module, written.file); !st.ok()) return std::move(st).error();
  if (!keep) return written;
  names.clear();
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  for (const auto& old : dated_archives_beyond(module, names, *keep)) {
    fs::remove(folder / old, ec);
    if (!ec) written.removed.push_back(folder / old);
  }
  return written;
}

}  // namespace haven
