// The seam where the session runs a reintegration when the secondary comes back: the session
// connects the link and hands one job per replicated directory to a Reintegrate function;
// core/reintegration's Reintegrator is meant to be plugged in here (its OrderedSubmitter over
// job.submit_ordered, its fast plan from job.record when job.record_intact, full otherwise).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "haven/result.hpp"
#include "replication/change_message.hpp"
#include "replication/changed_regions.hpp"
#include "replication_fs/replication_filter.hpp"

namespace haven::replication_session {

struct ReintegrationJob {
  std::size_t dir_index = 0;
  std::filesystem::path dir;  ///< the replicated directory (mounted)
  int primary_fd = -1;        ///< the directory underneath the mount (O_PATH): read the primary here
  const replication_fs::ReplicationFilter* filter = nullptr;
  /// What changed while the secondary was away, and whether that record can be trusted.
  replication::ChangedRegions record;
  bool record_intact = true;
  /// Runs `produce` under the ordering lock, submits its changes to the secondary in order with
  /// the live ones, and waits until each is safe (see DirectorySink::submit_ordered).
  std::function<Status(const std::function<Status(std::vector<replication::Change>&)>& produce)> submit_ordered;
  /// Progress for `haven state` (bytes_done, bytes_total, rate...): shown as given.
  std::function<void(const nlohmann::json& progress)> report_progress;
  /// Sends `request` to the secondary's receiver of this directory over the link, in order
  /// after every change sent so far, and returns its answer (see link_frames.hpp). The
  /// secondary answers a manifest request (reintegration::encode_manifest_request) with its
  /// encoded manifest. Empty when the session has no link (tests calling a Reintegrate directly).
  std::function<Result<std::vector<std::byte>>(std::vector<std::byte> request, const std::string& what)> ask_secondary;
};

/// Brings the secondary's copy of one directory to the primary's. OK only when every change
/// it sent was acknowledged; the session then empties the record and reports in sync.
using Reintegrate = std::function<Status(ReintegrationJob& job)>;

}  // namespace haven::replication_session
