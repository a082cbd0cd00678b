// The checks every shipped application module's template passes (postgresql.safe, mysql.safe,
// ...): it installs as a template, `haven config check` names each placeholder on its macro's
// line, a start is refused naming each of them, and filled in as an administrator would,
// nothing is left to fill. One body for every module; what differs is a ShippedModuleTemplate.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace haven::test {

/// What one shipped module's template test knows about it.
struct ShippedModuleTemplate {
  std::string module;                     ///< <module>.safe in the build's share/haven/modules, made by module_<module>
  std::vector<std::string> bin_files;     ///< files its bin/ must hold once installed (the hooks, ...)
  std::vector<std::string> placeholders;  ///< the values config check and start must name
  /// Macros (VIRTUAL_IP included) and the values an administrator gives them, in that order;
  /// afterwards no placeholder is left.
  std::vector<std::pair<std::string, std::string>> filled_macros;
};

/// Runs the template checks as Catch2 assertions on a fresh HavenTestNode, in the calling test
/// case. `more_checks`, when given, runs on the installed module's folder after the bin/ files
/// were checked, for what only this module ships.
void check_shipped_module_template(const ShippedModuleTemplate& shipped,
                                   const std::function<void(const std::filesystem::path& module_dir)>& more_checks = {});

}  // namespace haven::test
