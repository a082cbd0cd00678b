// Logs: `log` shows a module's log; `printi` / `printe` write into it (from hooks).
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>

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
  std::string level;  // -l / --level: E W I D or a word; "en"/"fr" (the seed's language) mean every level
};

// The inode and size of a file, to see a rotation while following it.
std::optional<std::pair<ino_t, std::uint64_t>> file_identity(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(st.st_ino, static_cast<std::uint64_t>(st.st_size));
}

// Lines at or above a level. A line without a level (the rest of a message holding a newline)
// goes with the line before it.
class LevelFilter {
 public:
  explicit LevelFilter(std::optional<LogLevel> least) : least_(least) {}
  bool keep(const std::string& line) {
    if (!least_) return true;
    if (auto level = log_line_level(line)) last_kept_ = static_cast<int>(*level) >= static_cast<int>(*least_);
    return last_kept_;
  }

 private:
  std::optional<LogLevel> least_;
  bool last_kept_ = true;
};

// The level asked for with -l; nullopt for every line. invalid_argument for a word it does not know.
Result<std::optional<LogLevel>> level_asked(const LogOptions& opts, const std::string& module) {
  if (opts.level.empty() || opts.level == "en" || opts.level == "fr") return std::optional<LogLevel>{};
  auto level = parse_log_level(opts.level);
  if (!level)
    return fail(Errc::invalid_argument, "haven log -m " + module + ": unknown level \"" + opts.level +
                                            "\"; expected E, W, I, D (or error, warning, info, debug)");
  if (opts.user)
    return fail(Errc::invalid_argument, "haven log -m " + module + " -u: the user log (hook output) has no levels; "
                                        "leave out --level, or read module.log");
  return std::optional<LogLevel>{*level};
}

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
    // Into module.log, and verbose.log too: it holds everything.
    const auto files = module_log_files(ctx.paths(), *m);
    for (const auto& file : {files.module_log, files.verbose_log})
      if (auto st = append_log_line(file, level, *m + ": " + text); !st.ok())
        return ctx.report_error(fail(st.error().code, "module " + *m + ": " + st.error().message));
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
  log->add_option("-l,--level", opts->level,
                  "Only lines at or above this level: E (error), W (warning), I (info), D (debug); "
                  "en or fr, the seed's language choice, show every line")
      ->type_name("LEVEL");
  log->callback([&ctx, opts] {
    auto m = module_or_env(opts->module, "log");
    if (!m.ok()) return ctx.report_error(m.error());
    auto least = level_asked(*opts, *m);
    if (!least.ok()) return ctx.report_error(least.error());
    LevelFilter filter(*least);
    auto files = module_log_files(ctx.paths(), *m);
    auto file = opts->user ? files.user_log : opts->verbose ? files.verbose_log : files.module_log;
    std::ifstream in(file);
    if (!in) return ctx.report_error(fail(Errc::not_found, "module " + *m + " has no log yet (" + file.string() + ")"));
    std::deque<std::string> tail;
    std::string line;
    while (std::getline(in, line)) {
      if (!filter.keep(line)) continue;
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
    auto held = file_identity(file);
    for (;;) {
      while (std::getline(in, line))
        if (filter.keep(line)) std::cout << line << "\n" << std::flush;
      in.clear();
      // The log was rotated meanwhile (renamed, or copied and truncated): go on in the new one.
      const auto now = file_identity(file);
      if (now && (!held || now->first != held->first || now->second < static_cast<std::uint64_t>(in.tellg()))) {
        in.close();
        in.open(file);
        held = now;
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

}  // namespace haven::cli
