// Logs: `log` shows a module's log; `printi` / `printe` write into it (from hooks).
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli_context.hpp"
#include "common/module_log.hpp"

namespace haven::cli {
namespace {

struct LogOptions {
  std::string module;
  bool follow = false;
  bool verbose = false;
  bool user = false;
  int lines = 300;
};

void add_print_command(CLI::App& app, CliContext& ctx, const std::string& name, LogLevel level, const std::string& help) {
  auto module = std::make_shared<std::string>();
  auto words = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("-m", *module, "The module (default: $SAFEMODULE, set for hooks)")->type_name("MODULE");
  cmd->add_option("message", *words, "The message")->required();
  cmd->callback([&ctx, module, words, level, name] {
    auto m = module_or_env(*module, name);
    if (!m.ok()) return ctx.report_error(m.error());
    std::string text;
    for (const auto& w : *words) text += (text.empty() ? "" : " ") + w;
    // Same line shape as haven.printi in Lua hooks: "<module>: message".
    auto st = append_log_line(module_log_files(ctx.paths(), *m).module_log, level, *m + ": " + text);
    if (!st.ok()) return ctx.report_error(st.error());
  });
}

}  // namespace

void add_log_commands(CLI::App& app, CliContext& ctx) {
  add_print_command(app, ctx, "printi", LogLevel::info, "Write an information line into a module's log (for hooks)");
  add_print_command(app, ctx, "printe", LogLevel::error, "Write an error line into a module's log (for hooks)");

  auto opts = std::make_shared<LogOptions>();
  auto* log = app.add_subcommand("log", "Show a module's log (the last lines, or follow it)");
  log->add_option("-m", opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  log->add_flag("-f,--follow", opts->follow, "Keep printing new lines as they come (Ctrl-C to end)");
  log->add_flag("-A,--verbose", opts->verbose, "The verbose log (debug lines too)");
  log->add_flag("-u,--user", opts->user, "The hooks' output (user log)");
  log->add_option("-s", opts->lines, "How many last lines to show")->default_val(300);
  log->callback([&ctx, opts] {
    auto m = module_or_env(opts->module, "log");
    if (!m.ok()) return ctx.report_error(m.error());
    auto files = module_log_files(ctx.paths(), *m);
    auto file = opts->user ? files.user_log : opts->verbose ? files.verbose_log : files.module_log;
    std::ifstream in(file);
    if (!in) return ctx.report_error(fail(Errc::not_found, "module " + *m + " has no log yet (" + file.string() + ")"));
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
      tail.push_back(line);
      if (static_cast<int>(tail.size()) > opts->lines) tail.pop_front();
    }
    if (ctx.json) {
      ctx.print_json(nlohmann::json(std::vector<std::string>(tail.begin(), tail.end())));
      return;
    }
    for (const auto& l : tail) std::cout << l << "\n";
    std::cout.flush();
    if (!opts->follow) return;
    in.clear();
    for (;;) {
      while (std::getline(in, line)) std::cout << line << "\n" << std::flush;
      in.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

}  // namespace haven::cli
