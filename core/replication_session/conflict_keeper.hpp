// After a split brain, the side that restarts as SECOND keeps what only it wrote: before its
// directory is overwritten by the other side's reintegration, every path its own record of
// changed regions names (what it changed while ALONE) is copied, attributes kept, hard links
// and symbolic links as they are, into a dated conflicts folder beside the module.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "reintegration/tree_manifest.hpp"

namespace haven::replication_session {

/// Copies each of `paths` (relative, as the record names them; a folder with all it holds)
/// from beneath `dir_fd` (borrowed, never following a symbolic link) to the same relative
/// path below `destination` (created; must not exist yet), or the whole tree when `whole`.
/// Files are reflinked when the file system can, else copied; owner, mode, times and xattrs
/// kept; names of one node among the copied ones stay hard links; paths that no longer
/// exist are skipped; `filter` (may be empty) leaves local-only paths out. Returns how many
/// entries were copied; io_error naming `what`, the file and the call that failed.
Result<std::size_t> copy_aside(int dir_fd, const std::vector<std::string>& paths, bool whole,
                               const std::filesystem::path& destination, const reintegration::PathFilter& filter,
                               const std::string& what);

/// "20261126T043000Z": a conflicts folder's date, UTC, sortable, no colon.
std::string utc_folder_stamp();

}  // namespace haven::replication_session
