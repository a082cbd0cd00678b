// Writing a module folder as a `.safe` archive (zip), the format the seed product ships.
#pragma once

#include <filesystem>

#include "haven/result.hpp"

namespace haven {

/// Writes the content of `module_dir` (conf/, bin/, ...) at the top level of a zip archive
/// at `out`, entries sorted by path so that the same folder gives the same entry order,
/// with permission bits and modification times kept. Symbolic links are stored as links,
/// never followed. Refuses a folder holding a device, fifo or socket. `out` is written in
/// place: callers wanting atomicity write to a temporary name and rename.
Status write_module_archive(const std::filesystem::path& module_dir, const std::filesystem::path& out);

}  // namespace haven
