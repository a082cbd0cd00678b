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

/// Every hook name the seed product defines (prestart, start_prim, ..., transition, update,
/// config, ...), whether or not the module's behaviour runs it.
const std::vector<std::string>& module_hook_names();

/// The check before a start: find_hook() for each of module_hook_names(). OK when every hook
/// exists in one language at most; otherwise an invalid_argument error that lists, for each
/// hook written in several languages, all its files.
Status refuse_hooks_in_several_languages(const std::filesystem::path& bin_dir,
                                         const std::vector<std::string>& extensions);

}  // namespace haven
