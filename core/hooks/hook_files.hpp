// Finds a module's hook script in its bin folder, whatever language it is written in.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven {

/// The file of `hook` in `bin_dir`: `<hook><ext>` for each extension the loaded script
/// engines claim (".lua", ".cmd"; "" means a file named exactly `<hook>` that is executable).
/// No such file (or no bin_dir) → nullopt: an absent hook counts as success.
/// The same hook in two languages (start_prim.lua and start_prim.cmd) is an
/// invalid_argument error naming both files, since running either would be a guess.
Result<std::optional<std::filesystem::path>> find_hook(const std::filesystem::path& bin_dir,
                                                       const std::string& hook,
                                                       const std::vector<std::string>& extensions);

}  // namespace haven
