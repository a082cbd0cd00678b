// havend's answer to `haven boot on|off|status [-m M]`.
//
// Request: {"command":"boot","module":"M" (optional for status),"args":{"mode":"on|off|status"}}.
// on|off sets this node's administrator setting for M, which decides only when M's
// `<service boot>` is "ignore" (the default); otherwise the configuration decides and the
// command is refused, saying so. Every answer's data is the status of the module(s) named:
// [{"module", "configured", "boot_delay", "boot_delay_ms", "admin", "was_running",
//   "next_boot": "start"|"no start", "reason"}], or {"module", "error"} for a module whose
// configuration cannot be read.
#pragma once

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "control/control_message.hpp"

namespace haven {

/// Carries out a `boot` request on this node (`node` names it in messages).
ControlResponse boot_command(const HavenPaths& paths, const std::string& node, const ControlRequest& request,
                             spdlog::logger& log);

}  // namespace haven
