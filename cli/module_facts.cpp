#include "module_facts.hpp"

#include "module_processes.hpp"

namespace haven::cli {
namespace {

// havend's answer's data, or the sentence saying why there is none.
Result<nlohmann::json> ask(const CliContext& ctx, const std::string& command, const std::string& module, int timeout_s) {
  ControlRequest req;
  req.command = command;
  req.module = module;
  auto r = ctx.ask_daemon(req, timeout_s);
  if (!r.ok()) return std::move(r).error();
  if (!r->ok) return Error{r->code, r->message};
  return r->data;
}

void unavailable(ModuleFacts& facts, const std::string& what, const std::string& why) {
  const std::string sentence = what + " not available: " + why;
  facts.unavailable.push_back(sentence);
  facts.files.push_back({what + "-unavailable.txt", sentence + "\n"});
}

}  // namespace

ModuleFacts gather_module_facts(const CliContext& ctx, const std::string& module, int timeout_s) {
  ModuleFacts facts;
  std::optional<pid_t> agent_pid;
  auto state = ask(ctx, "state", module, timeout_s);
  if (state.ok()) {
    facts.files.push_back({"state.json", state->dump(2) + "\n"});
    const nlohmann::json entry = state->is_array() && !state->empty() ? (*state)[0] : nlohmann::json::object();
    if (entry.contains("pid") && entry["pid"].is_number_integer()) agent_pid = entry["pid"].get<pid_t>();
    if (entry.contains("replication"))
      facts.files.push_back({"replication.json", entry["replication"].dump(2) + "\n"});
    else
      facts.files.push_back({"replication.json",
                             nlohmann::json{{"replicating", false},
                                            {"why", "module " + module +
                                                        " does not replicate (no <rfs>) or its agent is not running"}}
                                     .dump(2) +
                                 "\n"});
    if (entry.contains("checkers")) facts.files.push_back({"checkers.json", entry["checkers"].dump(2) + "\n"});
  } else {
    unavailable(facts, "state", "havend did not answer for module " + module + ": " + state.error().message);
  }
  if (agent_pid) {
    auto resources = ask(ctx, "get", module, timeout_s);
    if (resources.ok())
      facts.files.push_back({"resources.json", resources->dump(2) + "\n"});
    else
      unavailable(facts, "resources", "the agent of module " + module + " did not answer: " + resources.error().message);
  } else {
    unavailable(facts, "resources", state.ok() ? "module " + module + " is not running on this node (STOP)"
                                               : "havend did not answer, so the agent could not be asked");
  }
  const auto processes =
      select_module_processes(read_process_table(), agent_pid, module, ctx.paths().module_var_dir(module).string());
  facts.files.push_back({"processes.json", to_json(processes).dump(2) + "\n"});
  return facts;
}

}  // namespace haven::cli
