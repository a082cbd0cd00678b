// What a support snapshot (`haven snapshot`) takes from the disk, decided apart from writing
// the zip so that the list is tested on its own: which files, under which names, and what is
// left out and why. Never a key: the cluster key and any key-like file are never listed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/haven_paths.hpp"

namespace haven::cli {

/// One member of the snapshot: a file copied from the disk (`source`), or text made by the
/// command (`content`, when `source` is empty).
struct SnapshotEntry {
  std::string name;               ///< inside the zip: "modules/web/log/module.log"
  std::filesystem::path source;   ///< the file read, empty for made text
  std::string content;            ///< the text, for made entries
};

/// A file that was not taken, and why ("secret: never in a snapshot", "larger than 1 MiB").
struct SnapshotSkip {
  std::filesystem::path file;
  std::string reason;
};

/// The files a snapshot takes, in the order they are written.
struct SnapshotFiles {
  std::vector<SnapshotEntry> entries;
  std::vector<SnapshotSkip> skipped;
};

/// A module's bin/ file larger than this is not copied (a module may ship programs).
inline constexpr std::uintmax_t kMaxModuleFileBytes = 1u << 20;

/// How many of a module's last dumps (`haven dump`) a snapshot takes.
inline constexpr int kDumpsInSnapshot = 3;

/// True for a file that may hold a secret and must never leave the node in a snapshot: the
/// cluster key (whatever its folder), and files named *.key, *.pem, *.p12, *.pfx.
bool is_secret_file(const std::filesystem::path& file, const HavenPaths& paths);

/// The files a snapshot of `modules` takes, when they exist:
/// - node/cluster.xml, node/modules.json (ids), node/havend.log and its rotated files;
/// - per module: modules/M/log/ (module.log, verbose.log, userlog.ulog, their rotated files,
///   agent.out), modules/M/module/conf/ and modules/M/module/bin/ (the installed module:
///   userconfig.xml and hooks, secrets and large files left out), modules/M/knowledge.json,
///   modules/M/boot.json, modules/M/agent.state, and the last kDumpsInSnapshot dump folders
///   under modules/M/dumps/.
SnapshotFiles snapshot_files(const HavenPaths& paths, const std::vector<std::string>& modules);

/// The folder where `haven dump` writes a module's dumps (the seed's SAFEVAR/snapshot/modules/M).
std::filesystem::path module_dump_root(const HavenPaths& paths, const std::string& module);

/// The dump folders of a module (dump_YYYYmmdd_HHMMSS...), oldest first.
std::vector<std::filesystem::path> module_dumps(const HavenPaths& paths, const std::string& module);

}  // namespace haven::cli
