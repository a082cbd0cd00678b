// STAND-IN for core/reintegration, until it is wired to the session: sends the primary's whole
// tree as creations (folders, files with their data, links, nodes, xattrs, times). Correct only
// for a secondary whose directory is empty (a fresh secondary): it removes nothing there, and a
// folder the secondary already holds fails its mkdir. It ignores the record of changed regions.
#pragma once

#include "replication_session/reintegration_seam.hpp"

namespace haven::replication_session {

/// The stand-in as a Reintegrate function.
Reintegrate fresh_copy_reintegration();

}  // namespace haven::replication_session
