// Reading what the boot decision needs of one installed module: `<service boot>` and
// `boot_delay` from its userconfig.xml, and this node's boot setting for it.
#pragma once

#include <string>

#include "common/haven_paths.hpp"
#include "daemon/boot_start.hpp"
#include "haven/result.hpp"

namespace haven {

/// The facts of `module` (running_now false: the caller knows which agents run). The error
/// names the file: a configuration with errors, or a damaged boot setting file.
[[nodiscard]] Result<ModuleBootFacts> read_module_boot_facts(const HavenPaths& paths, const std::string& module);

}  // namespace haven
