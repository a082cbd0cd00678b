// havend's side of a module's deployment: `module-import` (another node's `haven -H NODES -E M`:
// a module archive installed with the sender's id, then configured), and `module-configure`,
// `module-confinfo`, `module-deconfig` (`haven -H NODES config|confinfo|deconfig -m M`). A module
// whose agent runs is neither replaced nor (de)configured.
#include <unistd.h>

#include <random>

#include "common/atomic_file.hpp"
#include "common/log_text.hpp"
#include "common/process_environment.hpp"
#include "config/user_config_loader.hpp"
#include "daemon/node_daemon.hpp"
#include "module_store/base64_text.hpp"
#include "module_store/module_configuration.hpp"
#include "module_store/module_store.hpp"

namespace haven {
namespace {

namespace fs = std::filesystem;

// A configuration with an error is refused, with every error listed.
Status refuse_errors(const std::string& text, const std::string& label) {
  auto loaded = config::parse_user_config(text, label, process_environment());
  if (!loaded.has_errors()) return ok_status();
  std::string msg = label + " has errors:";
  for (const auto& d : loaded.diagnostics)
    if (d.severity == config::Severity::error) msg += "\n  " + d.to_string();
  return fail(Errc::invalid_argument, msg);
}

ConfigHookSettings daemon_hook_settings(const std::string& node) {
  ConfigHookSettings settings;
  settings.script_extensions = installed_script_extensions();
  settings.node = node;
  return settings;
}

}  // namespace

ControlResponse NodeDaemon::module_request(const ControlRequest& request) {
  const auto& name = request.command == "module-import" && request.args.is_object() && request.args.contains("name") &&
                             request.args["name"].is_string()
                         ? request.args["name"].get_ref<const std::string&>()
                         : request.module;
  if (name.empty())
    return ControlResponse::failure(fail(Errc::invalid_argument, "\"" + request.command + "\" needs a module"));
  if (request.command == "module-confinfo") {
    auto info = configuration_info(paths_, name);
    if (!info.ok()) return ControlResponse::failure(info.error());
    return ControlResponse::success("", to_json(*info));
  }
  if (request.command == "module-update") return module_update(name);
  if (agents_.find(name))
    return ControlResponse::failure(fail(Errc::refused, "module " + name + " is running on node " + node_ + ": \"" +
                                                            request.command + "\" needs it stopped (haven stop -m " + name + ")"));
  if (request.command == "module-deconfig") {
    auto done = deconfigure_module(paths_, name, daemon_hook_settings(node_));
    if (!done.ok()) return ControlResponse::failure(done.error());
    log_->info("module {}: configuration forgotten (deconfig)", log_text(name, 64));
    return ControlResponse::success("", to_json(*done));
  }
  if (request.command == "module-configure" || request.command == "module-import") {
    std::string note;
    if (request.command == "module-import") {
      auto installed = import_module(request);
      if (!installed.ok()) return ControlResponse::failure(installed.error());
      note = *installed;
    }
    auto done = configure_module(paths_, name, refuse_errors, daemon_hook_settings(node_), std::chrono::system_clock::now());
    if (!done.ok()) {
      if (note.empty()) return ControlResponse::failure(done.error());
      return ControlResponse::failure(Error{done.error().code, "node " + node_ + ": " + note + ", but not configured: " + done.error().message});
    }
    log_->info("module {}: configuration {} applied", log_text(name, 64), done->signature);
    auto data = to_json(*done);
    data["node"] = node_;
    const std::string said = (note.empty() ? "node " + node_ + ": module " + name : "node " + node_ + ": " + note) +
                             ", configuration " + done->signature + " applied";
    return ControlResponse::success(said, data);
  }
  return ControlResponse::failure(fail(Errc::unsupported, "havend does not know the command \"" + log_text(request.command, 64) + "\""));
}

// `haven -H NODES update -m M`: as the CLI does on its own node, with the state havend sees.
ControlResponse NodeDaemon::module_update(const std::string& name) {
  auto entry = ModuleStore(paths_).find(name);
  if (!entry.ok()) return ControlResponse::failure(entry.error());
  const auto status = module_state(name, entry->id);
  const std::string state = status.value("state", "STOP") + "(" + status.value("substate", "NotReady") + ")";
  if (status.value("state", "STOP") == "STOP")
    return ControlResponse::failure(fail(Errc::refused, "module " + name + " is not running on node " + node_ +
                                                            ": haven config -m " + name + " applies its configuration"));
  if (state != "ALONE(Ready)" && state != "WAIT(NotReady)")
    return ControlResponse::failure(fail(Errc::refused, "module " + name + " is " + state + " on node " + node_ +
                                                            ": a running module's configuration is updated only in ALONE(Ready) "
                                                            "or WAIT(NotReady); stop it, then haven config -m " + name));
  auto done = update_module_configuration(paths_, name, refuse_errors, daemon_hook_settings(node_), std::chrono::system_clock::now());
  if (!done.ok()) return ControlResponse::failure(done.error());
  log_->info("module {} ({}): configuration {} applied by update", log_text(name, 64), state, done->signature);
  auto data = to_json(*done);
  data["state"] = state;
  data["node"] = node_;
  return ControlResponse::success("", data);
}

Result<std::string> NodeDaemon::import_module(const ControlRequest& request) {
  const auto& args = request.args;
  if (!args.contains("id") || !args["id"].is_number_integer() || !args.contains("archive") || !args["archive"].is_string())
    return fail(Errc::invalid_argument, "module-import needs args {\"name\": NAME, \"id\": ID, \"archive\": BASE64}");
  const auto name = args["name"].get<std::string>();
  const int id = args["id"].get<int>();
  auto bytes = base64_decode(args["archive"].get_ref<const std::string&>());
  if (!bytes) return fail(Errc::invalid_argument, "module-import of " + log_text(name, 64) + ": the archive is not base64 text");
  std::error_code ec;
  fs::create_directories(paths_.run_dir(), ec);
  const auto file = paths_.run_dir() / (".import-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()) + ".safe");
  if (auto st = write_file_atomically(file, *bytes, 0600); !st.ok()) return std::move(st).error();
  ModuleStore store(paths_);
  const bool replace = store.find(name).ok();
  const std::string label = "the module " + name + " sent by another node";
  auto entry = store.install(
      file, name, id,
      [&label](const fs::path& staged) -> Status {
        auto text = read_file(staged / "conf" / "userconfig.xml");
        if (!text.ok()) return std::move(text).error();
        return refuse_errors(*text, label + " (conf/userconfig.xml)");
      },
      replace);
  fs::remove(file, ec);
  if (!entry.ok()) return fail(entry.error().code, "node " + node_ + ": " + entry.error().message);
  log_->info("module {} {} with id {} from another node", entry->name, replace ? "replaced" : "installed", entry->id);
  return "module " + entry->name + (replace ? " replaced" : " installed") + " with id " + std::to_string(entry->id);
}

}  // namespace haven
