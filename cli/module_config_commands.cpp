#include "module_config_commands.hpp"

#include <iostream>

#include "config_check.hpp"
#include "module_running.hpp"
#include "module_store/module_configuration.hpp"

namespace haven::cli {
namespace {

// Hooks of a configuration may take a while: as long as the relay allows, within reason.
constexpr int kConfigureTimeoutS = 600;

// The configuration check of `haven config check -m M`: an error refuses.
ConfigurationCheck cli_configuration_check(const CliContext& ctx) {
  return [&ctx](const std::string& text, const std::string& label) -> Status {
    auto report = check_user_config_text(text, label, ctx.paths().cluster_config());
    if (int errors = count_errors(report); errors > 0) {
      std::string msg = label + " has " + std::to_string(errors) + " error(s); the configuration was not applied:";
      for (const auto& d : report)
        if (d.severity == config::Severity::error) msg += "\n  " + d.to_string();
      return fail(Errc::invalid_argument, msg);
    }
    if (!ctx.json)
      for (const auto& d : report) std::cerr << "  " << d.to_string() << "\n";
    return ok_status();
  };
}

ConfigHookSettings hook_settings(const CliContext& ctx) {
  ConfigHookSettings settings;
  settings.script_extensions = installed_script_extensions();
  ControlRequest req;
  req.command = "node";
  if (auto r = ctx.ask_daemon(req, 5); r.ok() && r->ok && r->data.is_object() && r->data.contains("node"))
    settings.node = r->data["node"].get<std::string>();
  return settings;
}

// Under -H: the same command carried out by the target node's havend. Its answer's data is
// the JSON this node would print.
Result<nlohmann::json> ask_target(const CliContext& ctx, const std::string& command, const std::string& module) {
  ControlRequest req;
  req.command = command;
  req.module = module;
  auto r = ctx.ask_daemon(req, kConfigureTimeoutS);
  if (!r.ok()) return std::move(r).error();
  if (!r->ok) return Error{r->code, r->message};
  return r->data;
}

Status refuse_when_running(const CliContext& ctx, const std::string& module, const std::string& what) {
  if (auto state = running_state(ctx, module))
    return fail(Errc::refused, "module " + module + " is running (" + *state + "): " + what + " needs it stopped (haven stop -m " +
                                   module + ")" + (what == "config" ? "; haven update -m " + module + " applies to a running module the changes the seed allows" : ""));
  return ok_status();
}

void print_hooks(const nlohmann::json& hooks) {
  for (const auto& h : hooks)
    std::cout << "  hook " << h.value("hook", "") << ": exit " << h.value("exit_code", 0) << "\n";
}

void print_configured(const CliContext& ctx, const nlohmann::json& j) {
  if (ctx.json) return ctx.print_json(j);
  std::cout << "module " << j.value("module", "") << ": configuration " << j.value("signature", "") << " applied";
  if (j.contains("previous") && j["previous"].is_string()) std::cout << " (was " << j["previous"].get<std::string>() << ")";
  std::cout << "\n";
  print_hooks(j["hooks"]);
  if (!j.value("hooks_enabled", true)) std::cout << "  no <user> element: no hook runs\n";
  std::cout << "  kept as " << j.value("lastconfig", "") << "\n";
  if (j.contains("postconfig_error")) std::cerr << "haven: " << j["postconfig_error"].get<std::string>() << "\n";
}

}  // namespace

void add_config_module_option(CLI::App* config, CliContext& ctx) {
  auto module = std::make_shared<std::string>();
  config->add_option("-m", *module,
                     "Apply the installed module's configuration: check conf/userconfig.xml (errors refuse), run its "
                     "config hook, record it as active, keep it in SAFEVAR/modules/lastconfig (the last 3), run "
                     "postconfig. The module must be stopped")
      ->type_name("MODULE");
  config->callback([&ctx, config, module] {
    if (!config->get_subcommands().empty()) return;
    if (module->empty())
      return ctx.report_error(fail(Errc::invalid_argument, "config needs -m MODULE (apply its configuration) or a subcommand (config check)"));
    if (!ctx.target.empty()) {
      auto j = ask_target(ctx, "module-configure", *module);
      if (!j.ok()) return ctx.report_error(j.error());
      print_configured(ctx, *j);
      if (!j->value("ok", true)) ctx.exit_code = 1;
      return;
    }
    if (auto st = refuse_when_running(ctx, *module, "config"); !st.ok()) return ctx.report_error(st.error());
    auto done = configure_module(ctx.paths(), *module, cli_configuration_check(ctx), hook_settings(ctx),
                                 std::chrono::system_clock::now());
    if (!done.ok()) return ctx.report_error(done.error());
    print_configured(ctx, to_json(*done));
    if (!done->postconfig_error.empty()) ctx.exit_code = 1;
  });
}

void add_module_config_commands(CLI::App& app, CliContext& ctx) {
  auto info_module = std::make_shared<std::string>();
  auto* confinfo = app.add_subcommand("confinfo", summary_of("confinfo"));
  confinfo->add_option("-m", *info_module, "The module")->required()->type_name("MODULE");
  confinfo->callback([&ctx, info_module] {
    nlohmann::json j;
    if (!ctx.target.empty()) {
      auto answer = ask_target(ctx, "module-confinfo", *info_module);
      if (!answer.ok()) return ctx.report_error(answer.error());
      j = *answer;
    } else {
      auto info = configuration_info(ctx.paths(), *info_module);
      if (!info.ok()) return ctx.report_error(info.error());
      j = to_json(*info);
    }
    if (ctx.json) return ctx.print_json(j);
    const bool active = j["active"].is_string();
    std::cout << "module " << *info_module << "\n"
              << "  active configuration:  "
              << (active ? j["active"].get<std::string>() + " (applied " + j.value("applied_at", "?") + ")"
                         : std::string("none (never applied: haven config -m ") + *info_module + ")")
              << "\n  current configuration: " << j.value("current", "") << " (conf/userconfig.xml)\n"
              << (j.value("differs", true) ? (active ? "  they DIFFER: haven config -m " + *info_module + " applies the file\n" : std::string())
                                           : "  the same\n");
  });

  auto up_module = std::make_shared<std::string>();
  auto* update = app.add_subcommand("update", summary_of("update"));
  update->add_option("-m", *up_module, "The module")->required()->type_name("MODULE");
  update->callback([&ctx, up_module] {
    nlohmann::json j;
    if (!ctx.target.empty()) {
      auto answer = ask_target(ctx, "module-update", *up_module);
      if (!answer.ok()) return ctx.report_error(answer.error());
      j = *answer;
    } else {
      const auto state = running_state(ctx, *up_module);
      if (!state)
        return ctx.report_error(fail(Errc::refused, "module " + *up_module + " is not running on this node: haven config -m " +
                                                        *up_module + " applies its configuration"));
      if (*state != "ALONE(Ready)" && *state != "WAIT(NotReady)")
        return ctx.report_error(fail(Errc::refused, "module " + *up_module + " is " + *state + ": a running module's configuration "
                                                        "is updated only in ALONE(Ready) or WAIT(NotReady); stop it (haven stop -m " +
                                                        *up_module + "), then haven config -m " + *up_module));
      auto done = update_module_configuration(ctx.paths(), *up_module, cli_configuration_check(ctx), hook_settings(ctx),
                                              std::chrono::system_clock::now());
      if (!done.ok()) return ctx.report_error(done.error());
      j = to_json(*done);
      j["state"] = *state;
    }
    if (ctx.json) return ctx.print_json(j);
    std::cout << "module " << *up_module << " (" << j.value("state", "") << "): configuration " << j.value("signature", "")
              << " is now active (was " << (j["previous"].is_string() ? j["previous"].get<std::string>() : "none") << ")\n";
    print_hooks(j["hooks"]);
    std::cout << "  kept as " << j.value("lastconfig", "") << "\n"
              << "  the running agent keeps the values it read at its start; the update hook applied what it does, "
                 "and the module reads the rest at its next start\n";
  });

  auto de_module = std::make_shared<std::string>();
  auto* deconfig = app.add_subcommand("deconfig", summary_of("deconfig"));
  deconfig->add_option("-m", *de_module, "The module")->required()->type_name("MODULE");
  deconfig->callback([&ctx, de_module] {
    nlohmann::json j;
    if (!ctx.target.empty()) {
      auto answer = ask_target(ctx, "module-deconfig", *de_module);
      if (!answer.ok()) return ctx.report_error(answer.error());
      j = *answer;
    } else {
      if (auto st = refuse_when_running(ctx, *de_module, "deconfig"); !st.ok()) return ctx.report_error(st.error());
      ConfigHookSettings settings = hook_settings(ctx);
      auto done = deconfigure_module(ctx.paths(), *de_module, settings);
      if (!done.ok()) return ctx.report_error(done.error());
      j = to_json(*done);
    }
    if (ctx.json) return ctx.print_json(j);
    std::cout << "module " << *de_module << ": "
              << (j["forgotten"].is_string() ? "configuration " + j["forgotten"].get<std::string>() + " forgotten"
                                             : std::string("had no applied configuration"))
              << "\n";
    print_hooks(j["hooks"]);
  });
}

}  // namespace haven::cli
