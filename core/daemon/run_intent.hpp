// What `<service boot="auto">` reads: whether the last start or stop command left a module
// running. havend records it as it carries out each command, whoever sent it (the CLI, a
// hook, another node, the start at boot); its own stops when it exits are not commands and
// change nothing, so a module running when the node shuts down starts again at boot.
#pragma once

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "control/control_message.hpp"

namespace haven {

/// After havend answered `request` with `answer`: an accepted start (start, prim, primforce,
/// second) records the module running, an accepted stop (stop, forcestop) stopped; other
/// commands and refusals change nothing. A failure to record is logged as a warning.
void record_run_intent(const HavenPaths& paths, const ControlRequest& request, const ControlResponse& answer,
                       spdlog::logger& log);

}  // namespace haven
