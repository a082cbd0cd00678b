// errd's custom handlers: `<proc ... action="HANDLER"/>` runs the module's program HANDLER
// (bin/HANDLER.sh, .lua, .cmd or an executable, as hooks are found) when the watched
// processes fall, instead of a standard action, as the seed product does. The handler decides
// what to do; it counts toward maxloop only if it calls `haven incloop` itself.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "checks/checker_runner.hpp"
#include "hooks/hook_runner.hpp"

namespace haven::checks {

/// Where handlers are found and how they run: the module's bin folder and the script
/// extensions the loaded engines claim, the hooks' environment, the user log for their output.
struct ErrdHandlerSettings {
  std::string module;
  std::filesystem::path bin_dir;
  std::vector<std::string> script_extensions;
  std::map<std::string, std::string> env;
  std::filesystem::path user_log;
  std::chrono::milliseconds timeout{300000};  ///< killed past it, as a hook (forcestoptimeout)
  HookRunnerOptions runner;                   ///< tests run handlers with /bin/sh
};

/// Called with what happened, for the module log; from a checker's thread.
using ErrdHandlerLog = std::function<void(LogLevel level, const std::string& message)>;

/// The CheckerRunner::HandlerRunner the agent uses: finds the handler's file, runs it as
/// `HANDLER MODULE RESOURCE` with the hooks' environment and logs how it ended. A handler that
/// is not there is logged as an error naming the folder and the element's line.
CheckerRunner::HandlerRunner errd_handler_runner(ErrdHandlerSettings settings, ErrdHandlerLog log);

}  // namespace haven::checks
