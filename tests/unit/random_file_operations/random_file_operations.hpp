// Random file-system operations from a seed, for the tests that replicate a tree and then
// compare both sides: writes (sparse too), truncates, unlinks, renames, folders, hard and
// symbolic links, modes and xattrs, over a few names in a few folders so that they collide.
#pragma once

#include <cstdint>
#include <filesystem>

namespace haven::testing {

/// Runs `count` operations under `dir` (through a mount or not); failures (a name that is
/// not there, a folder not empty) are part of the game and ignored.
void random_file_operations(const std::filesystem::path& dir, std::uint32_t seed, int count);

}  // namespace haven::testing
