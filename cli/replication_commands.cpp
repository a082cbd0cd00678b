// rfsdiff and rfsverify: compare the primary's replicated directories with its secondary's,
// run by the primary's agent (it holds the link that asks the secondary for its manifest).
#include <iostream>
#include <optional>
#include <string>

#include "cli_context.hpp"
#include "replication_format.hpp"

namespace haven::cli {
namespace {

// Both trees are hashed: seconds per GiB, so the answer may take minutes (the daemon waits 180 s).
constexpr int kCompareTimeoutS = 175;

// The primary's node when the agent refused because this node is the secondary, and the
// request was not already relayed.
std::optional<std::string> primary_to_ask(const ControlResponse& r, const CliContext& ctx) {
  if (r.ok || !ctx.target.empty() || !r.data.is_object()) return std::nullopt;
  const auto it = r.data.find("primary");
  if (it == r.data.end() || !it->is_string() || it->get<std::string>().empty()) return std::nullopt;
  return it->get<std::string>();
}

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
    // Typed on the secondary: the primary holds the link that asks for the secondary's copy,
    // so the command goes there (through havend's relay, as -H does).
    if (const auto primary = primary_to_ask(*r, ctx)) {
      if (!ctx.json) std::cerr << "haven: module " << *m << " is secondary on this node: " << name << " runs on the primary "
                               << *primary << "\n";
      CliContext there = ctx;
      there.target = *primary;
      r = there.ask_daemon(req, kCompareTimeoutS);
      if (!r.ok()) return ctx.report_error(r.error());
    }
    if (!r->ok) return ctx.report_error(Error{r->code, r->message});
    const bool verify = name == "rfsverify";
    if (verify && !rfsverify_all_equal(r->data)) ctx.exit_code = 1;
    if (ctx.json) return ctx.print_json(r->data);
    std::cout << (verify ? rfsverify_text(r->data) : rfsdiff_text(r->data));
  });
}

}  // namespace

void add_replication_commands(CLI::App& app, CliContext& ctx) {
  add_compare_command(app, ctx, "rfsdiff", summary_of("rfsdiff"));
  add_compare_command(app, ctx, "rfsverify", summary_of("rfsverify"));
}

}  // namespace haven::cli
