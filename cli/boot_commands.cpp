#include "boot_commands.hpp"

#include <iomanip>
#include <iostream>

namespace haven::cli {
namespace {

void print_boot_table(const nlohmann::json& list) {
  std::cout << std::left << std::setw(20) << "MODULE" << std::setw(8) << "BOOT" << std::setw(12) << "HAVEN BOOT"
            << std::setw(8) << "DELAY" << "AT NEXT NODE BOOT\n";
  for (const auto& m : list) {
    std::cout << std::left << std::setw(20) << m.value("module", "");
    if (m.contains("error")) {
      std::cout << "unknown: " << m.value("error", "") << "\n";
      continue;
    }
    std::cout << std::setw(8) << m.value("configured", "") << std::setw(12) << m.value("admin", "") << std::setw(8)
              << m.value("boot_delay", "") << m.value("next_boot", "") << " (" << m.value("reason", "") << ")\n";
  }
}

}  // namespace

void add_boot_commands(CLI::App& app, CliContext& ctx) {
  struct Options {
    std::string mode, module;
  };
  auto opts = std::make_shared<Options>();
  auto* boot = app.add_subcommand("boot", summary_of("boot"));
  boot->add_option("mode", opts->mode,
                   "on: start the module when the node boots; off: do not; status: what havend will do at the next "
                   "node boot (with -m one module, else every module)")
      ->required()
      ->check(CLI::IsMember({"on", "off", "status"}));
  boot->add_option("-m", opts->module, "The module (on|off: default $SAFEMODULE; status: default every module)")
      ->type_name("MODULE");
  boot->callback([&ctx, opts] {
    ControlRequest req;
    req.command = "boot";
    req.args = {{"mode", opts->mode}};
    if (opts->mode == "status") {
      req.module = opts->module;
    } else {
      auto module = module_or_env(opts->module, "boot " + opts->mode);
      if (!module.ok()) return ctx.report_error(module.error());
      req.module = *module;
    }
    auto r = ctx.ask_daemon(req);
    if (!r.ok()) return ctx.report_error(r.error());
    if (!r->ok) return ctx.report_error(Error{r->code, r->message});
    if (opts->mode == "status") {
      if (ctx.json) return ctx.print_json(r->data);
      if (r->data.empty()) {
        std::cout << "no module installed (haven module install FILE.safe)\n";
        return;
      }
      return print_boot_table(r->data);
    }
    if (ctx.json)
      return ctx.print_json({{"ok", true}, {"message", r->message}, {"boot", opts->mode}, {"status", r->data}});
    std::cout << r->message << "\n";
  });
}

}  // namespace haven::cli
