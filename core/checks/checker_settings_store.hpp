// What the administrator turned off with `haven checker off` and `haven errd off`, kept in the
// module's var folder so that it outlives the agent (resources usersetting.checker and
// usersetting.errd), as the seed product keeps it across restarts.
#pragma once

#include <filesystem>

#include "haven/result.hpp"

namespace haven::checks {

/// The settings; both on unless the administrator turned them off.
struct CheckerSettings {
  bool checkers_on = true;  ///< `haven checker on|off`
  bool errd_on = true;      ///< `haven errd on|off`
};

/// The file in a module's var folder (HavenPaths::module_var_dir()).
std::filesystem::path checker_settings_file(const std::filesystem::path& module_var_dir);

/// Reads the file; no file means both on. A file that is not what save wrote is an
/// invalid_argument error naming it and what was expected.
Result<CheckerSettings> load_checker_settings(const std::filesystem::path& file);

/// Writes the file atomically (a crash leaves the old or the new settings).
Status save_checker_settings(const std::filesystem::path& file, const CheckerSettings& settings);

}  // namespace haven::checks
