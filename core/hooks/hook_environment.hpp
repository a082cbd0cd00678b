// The environment a module's hooks run with, as the seed product defines it plus haven's own.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/haven_paths.hpp"

namespace haven {

/// What hook_environment() needs beyond the node's paths.
struct HookEnvironmentInputs {
  std::string module;                                          ///< module name
  std::vector<std::pair<std::string, std::string>> user_vars;  ///< `<user><var name value>`, in order
  std::filesystem::path install_bin_dir;                       ///< empty: executable_dir()
};

/// The hooks' whole environment (nothing is inherited from the agent):
///   SAFE, SAFEBIN      the install's bin folder with a trailing '/' ("%SAFE%safekit" works)
///   SAFEMODULE         the module name
///   SAFEUSERBIN        the installed module's bin/
///   SAFEUSERCONF       the installed module's conf/
///   SAFEVAR            HavenPaths::var_dir(); SAFEUSERVAR: module_var_dir(module)
///   HAVEN_ROOT         the node's root folder, only when it has one
///   HAVEN_MODULE_LOG   the module log (module.log) that haven.printi/printe append to
///   PATH               the install's bin folder, then /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
///   LANG               C.UTF-8 (scripts get stable messages)
/// then each user variable, which may override PATH and LANG but not SAFE* or HAVEN_*: such
/// a variable is left out and, when `warnings` is given, a warning naming it is added there.
std::map<std::string, std::string> hook_environment(const HavenPaths& paths,
                                                    const HookEnvironmentInputs& inputs,
                                                    std::vector<std::string>* warnings = nullptr);

}  // namespace haven
