// `haven config check`: a file, an archive or an installed module; `haven config -m M` applies
// an installed module's configuration (module_config_commands.cpp).
#include <iostream>

#include "cli_context.hpp"
#include "config/config_report.hpp"
#include "config_check.hpp"
#include "module_config_commands.hpp"
#include "module_store/module_archive_reader.hpp"
#include "module_store/module_store.hpp"

namespace haven::cli {
namespace {

bool is_archive(const std::filesystem::path& p) {
  auto name = p.filename().string();
  for (const char* ext : {".safe", ".zip", ".tar", ".tar.gz", ".tgz"})
    if (name.size() > std::strlen(ext) && name.compare(name.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

}  // namespace

void add_config_commands(CLI::App& app, CliContext& ctx) {
  auto* config = app.add_subcommand("config", "Apply an installed module's configuration (-m MODULE), or check one (config check)");
  config->require_subcommand(0, 1);
  add_config_module_option(config, ctx);
  auto target = std::make_shared<std::string>();
  auto module = std::make_shared<std::string>();
  auto* check = config->add_subcommand(
      "check", "Check a userconfig.xml, a .safe archive or an installed module (-m); exits 1 when there are errors");
  check->add_option("file", *target, "A userconfig.xml file or a .safe archive")->type_name("FILE");
  check->add_option("-m", *module, "An installed module")->type_name("MODULE");
  check->callback([&ctx, target, module] {
    if (!ctx.target.empty())
      return ctx.report_error(fail(Errc::unsupported, "config check reads files of this node: run it on each node, without -H"));
    std::vector<config::Diagnostic> report;
    std::string what;
    if (!module->empty()) {
      ModuleStore store(ctx.paths());
      auto entry = store.find(*module);
      if (!entry.ok()) return ctx.report_error(entry.error());
      what = "module " + *module;
      report = check_user_config_file(entry->dir / "conf" / "userconfig.xml", ctx.paths().cluster_config());
    } else if (!target->empty() && is_archive(*target)) {
      auto text = read_archive_member(*target, "conf/userconfig.xml");
      if (!text.ok()) return ctx.report_error(text.error());
      what = *target;
      report = check_user_config_text(*text, *target + "!conf/userconfig.xml", ctx.paths().cluster_config());
    } else if (!target->empty()) {
      what = *target;
      report = check_user_config_file(*target, ctx.paths().cluster_config());
    } else {
      return ctx.report_error(fail(Errc::invalid_argument, "config check needs a FILE, an archive or -m MODULE"));
    }
    const int errors = count_errors(report);
    if (ctx.json) {
      auto j = config::diagnostics_to_json(report);
      j["ok"] = errors == 0;
      j["target"] = what;
      ctx.print_json(j);
    } else {
      for (const auto& d : report) std::cout << d.to_string() << "\n";
      std::cout << what << ": " << config::summarize(report) << "\n";
    }
    if (errors > 0) ctx.exit_code = 1;
  });
}

}  // namespace haven::cli
