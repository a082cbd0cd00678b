// Names inside a module archive, checked as text before anything touches the disk.
//
// These functions give only the reason of a refusal; the caller adds the archive and the
// entry, which it knows.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "haven/result.hpp"

namespace haven {

/// A path inside a module, one component per element; empty for the module's own folder.
using EntryPath = std::vector<std::string>;

/// Bounds on one entry name (and link target): PATH_MAX bytes, and a depth no module needs.
inline constexpr std::size_t kMaxEntryNameBytes = 4096;
inline constexpr std::size_t kMaxEntryComponents = 64;

/// Splits an archive entry name ("./bin/start_prim", "conf\\userconfig.xml") into
/// components. Backslashes separate too (archives made on Windows); "." and empty
/// components are dropped. Refuses an absolute name, a drive letter ("C:") and any ".."
/// component: nothing in an archive may name a place outside the module. Refuses a name
/// longer than kMaxEntryNameBytes or deeper than kMaxEntryComponents.
Result<EntryPath> split_entry_name(std::string_view name);

/// "bin/start_prim"; "" for the module's own folder.
std::string join_entry_path(const EntryPath& path);

/// Where a symbolic link stored at `link` and pointing to `target` lands, resolving ".."
/// as text from the link's folder. Refuses an absolute target and one that climbs above the
/// module's folder. Links met on the way are not followed here (see ModuleArchiveWalk).
Result<EntryPath> resolve_link_target(const EntryPath& link, std::string_view target);

}  // namespace haven
