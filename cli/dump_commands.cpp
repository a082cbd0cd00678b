// `haven dump -m M`: a folder holding what a module is doing now (state, resources,
// replication, checkers, processes, the end of its logs), as the seed's `safekit dump`
// writes SAFEVAR/snapshot/modules/M/dump_<time>/. `haven snapshot` takes the last ones.
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>

#include "common/atomic_file.hpp"
#include "common/module_log.hpp"
#include "diagnostic_commands.hpp"
#include "module_facts.hpp"
#include "snapshot_contents.hpp"

namespace haven::cli {
namespace {

// Older dumps of a module are removed beyond this many: dumps must not fill the disk either.
constexpr std::size_t kDumpsKept = 5;
// How many last lines of each log a dump copies.
constexpr std::size_t kTailLines = 1000;

std::string dump_folder_name() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "dump_%Y%m%d_%H%M%S", &tm);
  return buf;
}

// The last `count` lines of a file, joined; empty when it cannot be read.
std::string tail_of(const std::filesystem::path& file, std::size_t count) {
  std::ifstream in(file, std::ios::binary);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(std::move(line));
    if (lines.size() > count) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string readme_text(const std::string& module, const std::vector<FactFile>& files,
                        const std::vector<std::string>& unavailable) {
  std::string t = "haven dump of module " + module + ", " + log_timestamp_now() + "\n\n";
  t += "state.json       the module's state as havend answers it (haven --json state -m " + module + ")\n";
  t += "resources.json   every resource of the running module (haven --json get -m " + module + ")\n";
  t += "replication.json the replication session's state (role, in sync, directories, reintegration)\n";
  t += "checkers.json    every checker, errd watch and witness, running or not, with its value\n";
  t += "processes.json   the agent, the processes it started, and those the hooks left running\n";
  t += "*.log.tail       the last " + std::to_string(kTailLines) + " lines of module.log, verbose.log, userlog.ulog\n";
  t += "\nFiles in this dump:";
  for (const auto& f : files) t += " " + f.name;
  t += "\n";
  if (!unavailable.empty()) {
    t += "\nNot available:\n";
    for (const auto& u : unavailable) t += "  " + u + "\n";
  }
  return t;
}

// Writes the files into NAME.tmp, then renames it: a dump folder is whole or absent.
Result<std::filesystem::path> write_dump(const std::filesystem::path& root, const std::vector<FactFile>& files) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return fail(Errc::io_error, "cannot make the dump folder " + root.string() + ": " + ec.message());
  auto final_dir = root / dump_folder_name();
  for (int n = 2; std::filesystem::exists(final_dir, ec); ++n)
    final_dir = root / (dump_folder_name() + "_" + std::to_string(n));
  auto temp = final_dir;
  temp += ".tmp";
  std::filesystem::remove_all(temp, ec);
  for (const auto& f : files)
    if (auto st = write_file_atomically(temp / f.name, f.content, 0600); !st.ok()) {
      std::filesystem::remove_all(temp, ec);
      return std::move(st).error();
    }
  std::filesystem::rename(temp, final_dir, ec);
  if (ec) {
    std::filesystem::remove_all(temp, ec);
    return fail(Errc::io_error, "cannot rename the dump folder " + temp.string() + " to " + final_dir.string() + ": " +
                                    ec.message());
  }
  return final_dir;
}

void run_dump(CliContext& ctx, const std::string& flag) {
  auto module = module_or_env(flag, "dump");
  if (!module.ok()) return ctx.report_error(module.error());
  auto installed = diagnosed_modules(ctx, *module);
  if (!installed.ok()) return ctx.report_error(installed.error());
  const auto paths = ctx.paths();

  auto facts = gather_module_facts(ctx, *module);
  auto files = facts.files;
  const auto logs = module_log_files(paths, *module);
  for (const auto& log : {logs.module_log, logs.verbose_log, logs.user_log})
    files.push_back({log.filename().string() + ".tail", tail_of(log, kTailLines)});
  files.push_back({"README.txt", readme_text(*module, files, facts.unavailable)});

  const auto root = module_dump_root(paths, *module);
  auto folder = write_dump(root, files);
  if (!folder.ok())
    return ctx.report_error(fail(folder.error().code, "module " + *module + ": " + folder.error().message));
  auto dumps = module_dumps(paths, *module);
  std::error_code ec;
  while (dumps.size() > kDumpsKept) {
    std::filesystem::remove_all(dumps.front(), ec);
    dumps.erase(dumps.begin());
  }

  if (ctx.json) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& f : files) names.push_back(f.name);
    return ctx.print_json({{"ok", true},
                           {"module", *module},
                           {"folder", folder->string()},
                           {"files", names},
                           {"unavailable", facts.unavailable}});
  }
  std::cout << "dump of module " << *module << " written in " << folder->string() << "\n";
  for (const auto& u : facts.unavailable) std::cout << "  " << u << "\n";
}

}  // namespace

void add_dump_command(CLI::App& app, CliContext& ctx) {
  auto module = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "dump",
      "Write a folder with what a module does now: its state, resources, replication, checkers, processes and the end "
      "of its logs (in SAFEVAR/snapshot/modules/M/dump_<time>/, the last 5 kept; haven snapshot takes the last 3)");
  cmd->add_option("-m", *module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  cmd->callback([&ctx, module] { run_dump(ctx, *module); });
}

}  // namespace haven::cli
