// Where haven-netns keeps the clusters it left running: one JSON file per cluster in
// /run/haven-netns (HAVEN_NETNS_STATE_DIR overrides it), so that another process can operate
// on a cluster or remove it, and so that the stale sweep leaves those clusters alone.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cluster_layout.hpp"
#include "haven/result.hpp"

namespace haven::cluster {

/// A cluster recorded on disk. `complete` is false while it is being built: if its owner
/// dies before it is complete, the stale sweep removes it like any other.
struct StoredCluster {
  Layout layout;
  bool complete = false;
  std::filesystem::path file;
};

std::filesystem::path state_dir();

/// Writes (atomically) the record of `layout` as <state dir>/<name>.json.
Status save_cluster(const Layout& layout, bool complete);

/// not_found when no cluster of that name is recorded; parse_error naming the file.
Result<StoredCluster> load_cluster(const std::string& name);

/// Every readable record (unreadable ones are skipped: they protect nothing).
std::vector<StoredCluster> load_all_clusters();

/// Deletes the record of `name`; OK when there is none.
Status forget_cluster(const std::string& name);

}  // namespace haven::cluster
