#include "checks/errd_handler.hpp"

#include <fmt/format.h>

#include "hooks/hook_files.hpp"

namespace haven::checks {

CheckerRunner::HandlerRunner errd_handler_runner(ErrdHandlerSettings settings, ErrdHandlerLog log) {
  return [settings = std::move(settings), log = std::move(log)](
             const CheckerSpec& spec, const Observation& seen, std::shared_ptr<const std::atomic<bool>> cancel) {
    auto file = find_hook(settings.bin_dir, spec.handler, settings.script_extensions);
    if (!file.ok() || !*file) {
      log(LogLevel::error,
          fmt::format("errd cannot run handler {} of {} (userconfig.xml line {}): {}", spec.handler, spec.resource,
                      spec.line,
                      file.ok() ? "there is no " + spec.handler + " script or executable in " + settings.bin_dir.string() +
                                      "; add it or use a standard action (restart, stopstart, stop, noaction)"
                                : file.error().message));
      return;
    }
    log(LogLevel::warning, fmt::format("Action {} called by errd: {}", spec.handler, seen.reason));
    HookSpec hook;
    hook.module = settings.module;
    hook.hook = spec.handler;
    hook.file = **file;
    hook.args = {settings.module, spec.resource};
    hook.env = settings.env;
    hook.timeout = settings.timeout;
    hook.cancel = std::move(cancel);
    hook.user_log = settings.user_log;
    auto outcome = HookRunner(settings.runner).run(hook);
    if (!outcome.ok()) {
      log(LogLevel::error, fmt::format("errd handler {} of {} could not run: {}", spec.handler, spec.resource,
                                       outcome.error().message));
      return;
    }
    const std::string how = outcome->cancelled   ? "was killed: its checker stopped"
                            : outcome->timed_out ? "was killed at its timeout"
                                                 : "ended with exit code " + std::to_string(outcome->exit_code);
    log(outcome->exit_code == 0 ? LogLevel::info : LogLevel::warning,
        fmt::format("errd handler {} of {} {}", spec.handler, spec.resource, how));
  };
}

}  // namespace haven::checks
