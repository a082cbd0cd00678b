#include "snapshot_contents.hpp"

#include <algorithm>

#include "common/module_log.hpp"
#include "state/boot_setting.hpp"

namespace haven::cli {
namespace {

bool is_file(const std::filesystem::path& file) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::symlink_status(file, ec));
}

// Adds `file` as `name` when it is a regular file (never a link: it could point at a key).
void add_file(SnapshotFiles& out, const HavenPaths& paths, const std::filesystem::path& file, const std::string& name,
              std::uintmax_t max_bytes = 0) {
  if (!is_file(file)) return;
  if (is_secret_file(file, paths)) {
    out.skipped.push_back({file, "may hold a secret: never in a snapshot"});
    return;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (max_bytes > 0 && !ec && size > max_bytes) {
    out.skipped.push_back({file, "larger than " + std::to_string(max_bytes >> 10) + " KiB"});
    return;
  }
  out.entries.push_back({name, file, {}});
}

// Every regular file under `dir`, sorted, added under `prefix`.
void add_tree(SnapshotFiles& out, const HavenPaths& paths, const std::filesystem::path& dir, const std::string& prefix,
              std::uintmax_t max_bytes) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_symlink(ec)) {
      out.skipped.push_back({it->path(), "a symbolic link: not followed"});
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    add_file(out, paths, f, prefix + "/" + std::filesystem::relative(f, dir, ec).generic_string(), max_bytes);
}

// A log and its rotated files, under the same names.
void add_log(SnapshotFiles& out, const HavenPaths& paths, const std::filesystem::path& log, const std::string& prefix) {
  add_file(out, paths, log, prefix + "/" + log.filename().string());
  for (const auto& rotated : existing_rotated_files(log))
    add_file(out, paths, rotated, prefix + "/" + rotated.filename().string());
}

}  // namespace

bool is_secret_file(const std::filesystem::path& file, const HavenPaths& paths) {
  std::error_code ec;
  if (file.filename() == paths.cluster_key().filename()) return true;
  if (std::filesystem::equivalent(file, paths.cluster_key(), ec)) return true;
  auto ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".key" || ext == ".pem" || ext == ".p12" || ext == ".pfx";
}

std::filesystem::path module_dump_root(const HavenPaths& paths, const std::string& module) {
  return paths.var_dir() / "snapshot" / "modules" / module;
}

std::vector<std::filesystem::path> module_dumps(const HavenPaths& paths, const std::string& module) {
  std::vector<std::filesystem::path> dumps;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(module_dump_root(paths, module), ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("dump_", 0) == 0 && name.find(".tmp") == std::string::npos && it->is_directory(ec))
      dumps.push_back(it->path());
  }
  std::sort(dumps.begin(), dumps.end());  // dump_YYYYmmdd_HHMMSS sorts by time
  return dumps;
}

SnapshotFiles snapshot_files(const HavenPaths& paths, const std::vector<std::string>& modules) {
  SnapshotFiles out;
  add_file(out, paths, paths.cluster_config(), "node/cluster.xml");
  add_file(out, paths, paths.module_registry(), "node/modules.json");
  add_log(out, paths, paths.daemon_log(), "node");
  if (is_file(paths.cluster_key())) out.skipped.push_back({paths.cluster_key(), "the cluster key: never in a snapshot"});
  for (const auto& m : modules) {
    const std::string prefix = "modules/" + m;
    const auto logs = module_log_files(paths, m);
    for (const auto& log : {logs.module_log, logs.verbose_log, logs.user_log}) add_log(out, paths, log, prefix + "/log");
    add_log(out, paths, logs.module_log.parent_path() / "agent.out", prefix + "/log");
    add_tree(out, paths, paths.module_dir(m) / "conf", prefix + "/module/conf", 0);
    add_tree(out, paths, paths.module_dir(m) / "bin", prefix + "/module/bin", kMaxModuleFileBytes);
    add_file(out, paths, paths.knowledge_file(m), prefix + "/knowledge.json");
    add_file(out, paths, boot_setting_file(paths, m), prefix + "/boot.json");
    add_file(out, paths, paths.agent_state_file(m), prefix + "/agent.state");
    auto dumps = module_dumps(paths, m);
    const auto first = dumps.size() > static_cast<std::size_t>(kDumpsInSnapshot) ? dumps.size() - kDumpsInSnapshot : 0;
    for (std::size_t i = first; i < dumps.size(); ++i)
      add_tree(out, paths, dumps[i], prefix + "/dumps/" + dumps[i].filename().string(), 0);
  }
  return out;
}

}  // namespace haven::cli
