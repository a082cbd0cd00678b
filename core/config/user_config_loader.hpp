// Loading a module's userconfig.xml: XML (typographic quotes accepted), macros and the
// environment, the typed model, and every diagnostic with file, line and element path.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/user_config.hpp"

namespace haven::config {

/// What a load produced: the model when there is no error, and everything said about the file.
struct LoadedUserConfig {
  std::optional<UserConfig> config;       ///< present exactly when there is no error
  std::vector<Diagnostic> diagnostics;    ///< ordered by line
  bool has_errors() const;
};

/// Parses userconfig.xml text. `file_label` names it in diagnostics. `env` is the
/// environment for %NAME% expansion after the file's macros (a map, so callers decide what
/// a module sees and tests stay hermetic). Never throws.
LoadedUserConfig parse_user_config(std::string_view xml_text, const std::string& file_label,
                                   const std::map<std::string, std::string>& env);

/// Reads and parses a file; an unreadable file is one error naming it.
LoadedUserConfig load_user_config(const std::filesystem::path& file,
                                  const std::map<std::string, std::string>& env);

}  // namespace haven::config
