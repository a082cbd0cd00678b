// The reintegration seam filled with core/reintegration: fast (the recorded regions, and a
// full comparison restricted to the paths recorded whole) when the record is intact, full
// (block hashes of both trees) otherwise, run by the Reintegrator with nbrei workers through
// the job's ordered submit.
#pragma once

#include <functional>

#include "config/user_config.hpp"
#include "reintegration/reintegrator.hpp"
#include "reintegration/tree_manifest.hpp"
#include "replication_session/reintegration_seam.hpp"

namespace haven::replication_session {

/// The secondary's manifest of the job's directory, built with `options` (hashes, filter,
/// roots). Comes over the network from the secondary (not written yet: the agent's exchange);
/// tests build it from the secondary's directory in the same process.
using SecondaryManifest =
    std::function<Result<reintegration::TreeManifest>(const ReintegrationJob& job, const reintegration::ManifestOptions& options)>;

/// A Reintegrate that plans and runs a real reintegration. `options.on_progress` is replaced
/// by the job's progress report ({"kind": "fast"|"full", bytes_done, bytes_total, files_done,
/// files_total, bytes_per_second, seconds_remaining}).
Reintegrate manifest_reintegration(SecondaryManifest secondary_manifest, reintegration::ReintegrationOptions options = {});

/// The secondary's manifest asked over the directory's link (job.ask_secondary): the request
/// carries the options' hashes, block size and roots, the secondary builds the manifest of its
/// directory underneath with its own filter and answers it encoded (decoded and validated
/// here). Errors name the directory; a manifest over the link's answer limit (256 MiB) or
/// malformed fails the reintegration.
SecondaryManifest networked_secondary_manifest();

/// The session's default: manifest_reintegration(networked_secondary_manifest()) with the
/// module's nbrei (workers), reiallowedbw (KB/s cap) and reipacketsize.
Reintegrate networked_reintegration(const config::RfsConfig& rfs);

}  // namespace haven::replication_session
