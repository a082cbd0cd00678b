// rfsdiff and rfsverify: compare the primary's replicated directories with its secondary's,
// run by the primary's agent (it holds the link that asks the secondary for its manifest).
#include <iostream>

#include "cli_context.hpp"
#include "replication_format.hpp"

namespace haven::cli {
namespace {

// Both trees are hashed: seconds per GiB, so the answer may take minutes (the daemon waits 180 s).
constexpr int kCompareTimeoutS = 175;

void add_compare_command(CLI::App& app, CliContext& ctx, const std::string& name, const std::string& help) {
  auto module = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("-m", *module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  cmd->callback([&ctx, module, name] {
    auto m = module_or_env(*module, name);
    if (!m.ok()) return ctx.report_error(m.error());
    ControlRequest req;
    req.command = name;
    req.module = *m;
    auto r = ctx.ask_daemon(req, kCompareTimeoutS);
    if (!r.ok()) return ctx.report_error(r.error());
    if (!r->ok) return ctx.report_error(Error{r->code, r->message});
    const bool verify = name == "rfsverify";
    if (verify && !rfsverify_all_equal(r->data)) ctx.exit_code = 1;
    if (ctx.json) return ctx.print_json(r->data);
    std::cout << (verify ? rfsverify_text(r->data) : rfsdiff_text(r->data));
  });
}

}  // namespace

void add_replication_commands(CLI::App& app, CliContext& ctx) {
  add_compare_command(app, ctx, "rfsdiff",
                      "On the primary: what a full reintegration would send to the secondary now, per replicated "
                      "directory (files, bytes); changes nothing");
  add_compare_command(app, ctx, "rfsverify",
                      "On the primary: compare every replicated file with the secondary's copy (both trees hashed); "
                      "exit 1 when a path differs");
}

}  // namespace haven::cli
