#include "daemon/boot_command.hpp"

#include "daemon/boot_start.hpp"
#include "daemon/module_boot_facts.hpp"
#include "module_store/module_store.hpp"
#include "state/boot_setting.hpp"

namespace haven {
namespace {

nlohmann::json status_of(const ModuleBootFacts& facts) {
  const auto verdict = boot_verdict(facts.configured, facts.setting);
  return {{"module", facts.module},
          {"configured", to_string(facts.configured)},
          {"boot_delay", describe_delay(facts.boot_delay)},
          {"boot_delay_ms", facts.boot_delay.count()},
          {"admin", facts.setting.admin_on ? "on" : "off"},
          {"was_running", facts.setting.was_running},
          {"next_boot", verdict.start ? "start" : "no start"},
          {"reason", verdict.reason}};
}

nlohmann::json status_or_error(const HavenPaths& paths, const std::string& module) {
  auto facts = read_module_boot_facts(paths, module);
  if (!facts.ok()) return {{"module", module}, {"error", facts.error().message}};
  return status_of(*facts);
}

ControlResponse status(const HavenPaths& paths, const ControlRequest& request) {
  ModuleStore store(paths);
  nlohmann::json list = nlohmann::json::array();
  if (!request.module.empty()) {
    auto entry = store.find(request.module);
    if (!entry.ok()) return ControlResponse::failure(entry.error());
    list.push_back(status_or_error(paths, entry->name));
    return ControlResponse::success("", list);
  }
  auto all = store.list();
  if (!all.ok()) return ControlResponse::failure(all.error());
  for (const auto& e : *all) list.push_back(status_or_error(paths, e.name));
  return ControlResponse::success("", list);
}

ControlResponse set_admin(const HavenPaths& paths, const std::string& node, const ControlRequest& request, bool on,
                          spdlog::logger& log) {
  const std::string mode = on ? "on" : "off";
  if (request.module.empty())
    return ControlResponse::failure(fail(Errc::invalid_argument, "\"boot " + mode + "\" needs a module: -m NAME"));
  ModuleStore store(paths);
  auto entry = store.find(request.module);
  if (!entry.ok()) return ControlResponse::failure(entry.error());
  auto facts = read_module_boot_facts(paths, entry->name);
  if (!facts.ok()) return ControlResponse::failure(facts.error());
  if (facts->configured != config::BootMode::ignore)
    return ControlResponse::failure(fail(
        Errc::refused, "module " + entry->name + " on node " + node + ": <service boot=\"" +
                           to_string(facts->configured) + "\"> in its userconfig.xml decides whether it starts at boot, "
                           "and the configuration wins over haven boot " + mode + "; to let haven boot decide, set "
                           "boot=\"ignore\" (the default) in <service> of " +
                           (entry->dir / "conf" / "userconfig.xml").string()));
  auto st = update_boot_setting(boot_setting_file(paths, entry->name), [&](BootSetting& s) { s.admin_on = on; });
  if (!st.ok()) return ControlResponse::failure(st.error());
  facts->setting.admin_on = on;
  log.info("module {}: haven boot {}: {}", entry->name, mode,
           on ? "havend starts it when the node boots" : "havend does not start it when the node boots");
  return ControlResponse::success(
      "module " + entry->name + ": boot " + mode + (on ? ", started when the node boots" : ", not started when the node boots"),
      nlohmann::json::array({status_of(*facts)}));
}

}  // namespace

ControlResponse boot_command(const HavenPaths& paths, const std::string& node, const ControlRequest& request,
                             spdlog::logger& log) {
  const auto mode = request.args.is_object() ? request.args.value("mode", std::string("status")) : std::string("status");
  if (mode == "status") return status(paths, request);
  if (mode == "on" || mode == "off") return set_admin(paths, node, request, mode == "on", log);
  return ControlResponse::failure(
      fail(Errc::invalid_argument, "boot: mode \"" + mode + "\" is not one of on, off, status"));
}

}  // namespace haven
