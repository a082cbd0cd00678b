// Resources and run-time settings of a running module: get, set, failover on|off,
// checker on|off, errd on|off|enable|disable|list.
#include <iomanip>
#include <iostream>

#include "cli_context.hpp"

namespace haven::cli {
namespace {

// Sends one request about a module and returns its data, or reports the error.
std::optional<nlohmann::json> ask_module(CliContext& ctx, const std::string& command, const std::string& module,
                                         nlohmann::json args) {
  ControlRequest req;
  req.command = command;
  req.module = module;
  req.args = std::move(args);
  auto r = ctx.ask_daemon(req);
  if (!r.ok()) {
    ctx.report_error(r.error());
    return std::nullopt;
  }
  if (!r->ok) {
    ctx.report_error(Error{r->code, r->message});
    return std::nullopt;
  }
  return r->data;
}

void print_resources(const nlohmann::json& list) {
  std::cout << std::left << std::setw(32) << "RESOURCE" << std::setw(10) << "VALUE" << "SET BY\n";
  for (const auto& r : list)
    std::cout << std::left << std::setw(32) << r.value("resource", "") << std::setw(10) << r.value("value", "")
              << r.value("set_by", "") << "\n";
}

}  // namespace

void add_resource_commands(CLI::App& app, CliContext& ctx) {
  struct Options {
    std::string module, resource, value, identity, mode;
  };
  auto get_opts = std::make_shared<Options>();
  auto* get = app.add_subcommand("get", summary_of("get"));
  get->add_option("-m", get_opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  get->add_option("-r", get_opts->resource, "Only this resource, e.g. heartbeat.default")->type_name("RESOURCE");
  get->callback([&ctx, get_opts] {
    auto module = module_or_env(get_opts->module, "get");
    if (!module.ok()) return ctx.report_error(module.error());
    nlohmann::json args = nlohmann::json::object();
    if (!get_opts->resource.empty()) args["resource"] = get_opts->resource;
    auto data = ask_module(ctx, "get", *module, args);
    if (!data) return;
    if (ctx.json) return ctx.print_json(*data);
    if (!get_opts->resource.empty() && data->size() == 1) {
      std::cout << (*data)[0].value("value", "") << "\n";
      return;
    }
    print_resources(*data);
  });

  auto set_opts = std::make_shared<Options>();
  auto* set = app.add_subcommand("set", summary_of("set"));
  set->add_option("-m", set_opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  set->add_option("-r", set_opts->resource, "The resource, class.id (e.g. custom.database)")
      ->required()
      ->type_name("RESOURCE");
  set->add_option("-v", set_opts->value, "The value")->required()->check(CLI::IsMember({"up", "down", "init", "unknown"}));
  set->add_option("-i", set_opts->identity, "Who sets it (a checker's name), shown in the log")->type_name("IDENTITY");
  set->callback([&ctx, set_opts] {
    auto module = module_or_env(set_opts->module, "set");
    if (!module.ok()) return ctx.report_error(module.error());
    nlohmann::json args{{"resource", set_opts->resource}, {"value", set_opts->value}};
    if (!set_opts->identity.empty()) args["identity"] = set_opts->identity;
    auto data = ask_module(ctx, "set", *module, args);
    if (!data) return;
    if (ctx.json) return ctx.print_json(*data);
    std::cout << *module << ": " << set_opts->resource << " = " << set_opts->value << "\n";
  });

  auto fo_opts = std::make_shared<Options>();
  auto* failover = app.add_subcommand(
      "failover", summary_of("failover"));
  failover->add_option("mode", fo_opts->mode, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  failover->add_option("-m", fo_opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  failover->callback([&ctx, fo_opts] {
    auto module = module_or_env(fo_opts->module, "failover");
    if (!module.ok()) return ctx.report_error(module.error());
    auto data = ask_module(ctx, "failover", *module, {{"mode", fo_opts->mode}});
    if (!data) return;
    if (ctx.json) return ctx.print_json({{"ok", true}, {"failover", fo_opts->mode}, {"state", *data}});
    std::cout << *module << ": failover " << fo_opts->mode << "\n";
  });

  auto print_checks = [](const nlohmann::json& list) {
    std::cout << std::left << std::setw(28) << "RESOURCE" << std::setw(9) << "KIND" << std::setw(9) << "RUNNING"
              << std::setw(9) << "VALUE" << "PLUGIN\n";
    for (const auto& c : list)
      std::cout << std::left << std::setw(28) << c.value("resource", "") << std::setw(9) << c.value("kind", "")
                << std::setw(9) << (c.value("running", false) ? "yes" : "no") << std::setw(9) << c.value("value", "")
                << c.value("plugin", "") << "\n";
  };

  auto ck_opts = std::make_shared<Options>();
  auto* checker = app.add_subcommand(
      "checker", summary_of("checker"));
  checker->add_option("mode", ck_opts->mode, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  checker->add_option("-m", ck_opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  checker->callback([&ctx, ck_opts, print_checks] {
    auto module = module_or_env(ck_opts->module, "checker");
    if (!module.ok()) return ctx.report_error(module.error());
    auto data = ask_module(ctx, "checker", *module, {{"mode", ck_opts->mode}});
    if (!data) return;
    if (ctx.json) return ctx.print_json({{"ok", true}, {"checker", ck_opts->mode}, {"checkers", *data}});
    std::cout << *module << ": checkers " << ck_opts->mode << "\n";
    print_checks(*data);
  });

  auto errd_opts = std::make_shared<Options>();
  auto* errd = app.add_subcommand(
      "errd", summary_of("errd"));
  errd->add_option("mode", errd_opts->mode, "on, off, enable, disable or list")
      ->required()
      ->check(CLI::IsMember({"on", "off", "enable", "disable", "list"}));
  errd->add_option("class", errd_opts->value, "The custom class, for enable and disable")->type_name("CLASS");
  errd->add_option("-m", errd_opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  errd->callback([&ctx, errd_opts, print_checks] {
    auto module = module_or_env(errd_opts->module, "errd");
    if (!module.ok()) return ctx.report_error(module.error());
    const bool needs_class = errd_opts->mode == "enable" || errd_opts->mode == "disable";
    if (needs_class && errd_opts->value.empty())
      return ctx.report_error(fail(Errc::invalid_argument, "errd " + errd_opts->mode +
                                                               " needs the custom class, as in 'haven errd " +
                                                               errd_opts->mode + " nightly -m " + *module + "'"));
    nlohmann::json args{{"mode", errd_opts->mode}};
    if (needs_class) args["class"] = errd_opts->value;
    auto data = ask_module(ctx, "errd", *module, args);
    if (!data) return;
    if (ctx.json) return ctx.print_json({{"ok", true}, {"errd", errd_opts->mode}, {"checkers", *data}});
    if (errd_opts->mode != "list") std::cout << *module << ": errd " << errd_opts->mode << (needs_class ? " " + errd_opts->value : "") << "\n";
    print_checks(*data);
  });
}

}  // namespace haven::cli
