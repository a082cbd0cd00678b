#include "module_running.hpp"

#include "state/module_status.hpp"

namespace haven::cli {

std::optional<std::string> running_state(const CliContext& ctx, const std::string& module) {
  ControlRequest req;
  req.command = "state";
  req.module = module;
  auto r = ctx.ask_daemon(req, 5);
  if (!r.ok() || !r->ok) return std::nullopt;
  auto statuses = module_statuses_from_json(r->data);
  // An answer that is no module state tells nothing of it, as no answer does.
  if (!statuses.ok() || statuses->empty()) return std::nullopt;
  const auto& s = statuses->front();
  if (s.state == ModuleState::stop) return std::nullopt;
  return std::string(to_string(s.state)) + "(" + std::string(to_string(s.substate)) + ")";
}

bool module_running(const CliContext& ctx, const std::string& module) { return running_state(ctx, module).has_value(); }

}  // namespace haven::cli
