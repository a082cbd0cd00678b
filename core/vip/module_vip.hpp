// Where a module's virtual IPs are configured and recorded on a node: the bridge between
// the node's layout (HavenPaths) and VipOwner, for the agent and the crash clean-up.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/haven_paths.hpp"
#include "config/user_config.hpp"
#include "haven/result.hpp"

namespace haven::vip {

/// The durable record of the virtual IPs a module's agent holds: <run>/vips/<module>.json.
std::filesystem::path vip_record_file(const HavenPaths& paths, const std::string& module);

/// The `<vip>` of an installed module, from its userconfig.xml; nullopt when it has none.
/// The error names the file (the agent has already refused a configuration with errors).
[[nodiscard]] Result<std::optional<config::VipConfig>> load_module_vip(const HavenPaths& paths,
                                                                       const std::string& module);

}  // namespace haven::vip
