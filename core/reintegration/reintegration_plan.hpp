// What a reintegration must do to make the secondary equal to the primary, computed purely
// from manifests (and, for fast reintegration, the record of changed regions). A plan names
// paths and byte ranges only: the data and attributes are read from the primary when each
// step runs, under the ordering lock of live changes (see reintegrator.hpp), so a step never
// carries something older than a live change already sent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replication/changed_regions.hpp"
#include "reintegration/tree_manifest.hpp"

namespace haven::reintegration {

enum class StepKind : std::uint8_t {
  remove,          ///< unlink / rmdir on the secondary (what it holds and the primary does not)
  make_directory,  ///< mkdir with the primary's mode and owner
  create_file,     ///< create, empty; its data follows as a FileWork
  make_symlink,    ///< symlink with owner and times
  make_node,       ///< mknod (FIFO, socket, device)
  hard_link,       ///< link `link_to` (already there) to `path`
  attributes,      ///< owner, mode, xattrs and times of a folder, link or node (after its contents)
};

/// "remove", "mkdir", ...
const char* to_string(StepKind kind) noexcept;

struct PlanStep {
  StepKind kind = StepKind::remove;
  std::string path;
  std::string link_to;      ///< hard_link: the name already holding the node
  bool is_directory = false;  ///< remove: the secondary holds a folder there
  /// remove: the primary has the path too, of another kind or other links: it is made again
  /// after. Otherwise a removal is skipped when the primary has the path by then (a live
  /// change made it, and sent it).
  bool replaced = false;
  std::vector<std::string> stale_xattrs;  ///< attributes: names the secondary has, the primary not
  /// make_directory: the names the primary's manifest has in it. Anything else found there
  /// when the step runs was made live while the secondary lacked the folder (those live
  /// changes were skipped there), so it is sent whole with the folder.
  std::vector<std::string> known_children;
  bool operator==(const PlanStep&) const = default;
};

/// One regular file's data and attributes: the ranges to copy from the primary (holes are
/// skipped, or punched when the secondary holds an older copy), then its size, owner, mode,
/// xattrs and times.
struct FileWork {
  std::string path;
  std::vector<replication::ByteRange> ranges;
  bool secondary_has_copy = false;
  std::vector<std::string> stale_xattrs;
  /// The file's other names (hard links), in order: when `path` is gone by the time the file
  /// is copied, the first of these still there is copied instead (a live unlink of one name).
  std::vector<std::string> other_names;
  bool operator==(const FileWork&) const = default;
};

/// Runs in three phases: `prepare` in order (removals depth first, then creations parent
/// first, hard links after the name they link to), `files` in parallel (nbrei workers),
/// `finish` in order (folder attributes, deepest first).
struct ReintegrationPlan {
  std::vector<PlanStep> prepare;
  std::vector<FileWork> files;
  std::vector<PlanStep> finish;
  /// The bytes the file ranges cover, as planned (holes and files shrunk meanwhile send less).
  std::uint64_t data_bytes() const;
  bool empty() const { return prepare.empty() && files.empty() && finish.empty(); }
};

/// Full reintegration: `primary` (with hashes) and `secondary` (with hashes) -> the plan that
/// makes the secondary equal. Blocks are compared by hash, only differing ones are sent (a
/// file without hashes on either side is sent whole). A path whose type, link target,
/// device or hard-link names differ is removed and made again. invalid_argument when the
/// manifests use different block sizes.
Result<ReintegrationPlan> full_plan(const TreeManifest& primary, const TreeManifest& secondary);

/// Fast reintegration from an intact record. Files the record holds by ranges get exactly
/// those ranges (then size and attributes); paths it holds whole (created, removed, renamed,
/// attributes changed) are planned as a full reintegration restricted to them:
/// `primary_scope` and `secondary_scope` are manifests built with ManifestOptions::roots =
/// whole_paths(record), with hashes. invalid_argument when the record is not intact.
/// `primary_links`, when given, is a manifest of the whole primary tree without hashes (a stat
/// walk, cheap): it gives each recorded file its other hard-link names, so that the copy still
/// reaches the node when the application unlinks the recorded name during the reintegration.
Result<ReintegrationPlan> fast_plan(const replication::ChangedRegionsLog& record, const TreeManifest& primary_scope,
                                    const TreeManifest& secondary_scope, const TreeManifest* primary_links = nullptr);

/// The same on the record's regions (for callers that loaded them another way).
Result<ReintegrationPlan> fast_plan(const replication::ChangedRegions& regions, const TreeManifest& primary_scope,
                                    const TreeManifest& secondary_scope, const TreeManifest* primary_links = nullptr);

/// The paths the record holds whole, with no path below another one kept (roots for the
/// scope manifests of fast_plan).
std::vector<std::string> whole_paths(const replication::ChangedRegions& regions);

}  // namespace haven::reintegration
