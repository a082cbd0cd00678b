// Internal to haven_config: one reader per section of userconfig.xml. Each reads its
// element into the typed model, reports into `diags`, and warns about what it does not know.
#pragma once

#include <string>
#include <string_view>

#include "config/diagnostic.hpp"
#include "config/element_reader.hpp"
#include "config/user_config.hpp"

namespace haven::config {

/// <service> attributes only; the children are read by the loader.
ServiceConfig read_service_attributes(ElementReader& service);
HeartConfig read_heart(const ConfigNode& node, Diagnostics& diags);
FarmConfig read_farm(const ConfigNode& node, Diagnostics& diags);
UserSection read_user(const ConfigNode& node, Diagnostics& diags);
VhostConfig read_vhost(const ConfigNode& node, Diagnostics& diags);
VipConfig read_vip(const ConfigNode& node, ServiceMode mode, Diagnostics& diags);
RfsConfig read_rfs(const ConfigNode& node, Diagnostics& diags);
ErrdConfig read_errd(const ConfigNode& node, Diagnostics& diags);
CheckConfig read_check(const ConfigNode& node, Diagnostics& diags);
FailoverConfig read_failover(const ConfigNode& node, Diagnostics& diags);

/// [A-Za-z_][A-Za-z0-9_]*: names that become environment variables or handler names.
bool is_identifier(std::string_view s);

}  // namespace haven::config
