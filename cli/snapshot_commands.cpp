// `haven snapshot [-m M] FILE.zip`: everything support needs about modules of this node in one
// zip, written atomically. `haven -p`: the node's folders.
#include <sys/utsname.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include "diagnostic_commands.hpp"
#include "module_facts.hpp"
#include "module_store/module_store.hpp"
#include "node_folders.hpp"
#include "plugin_host/plugin_host.hpp"
#include "replication_format.hpp"
#include "snapshot_contents.hpp"
#include "zip_writer.hpp"

namespace haven::cli {
namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// PRETTY_NAME="Debian GNU/Linux 12 (bookworm)" -> Debian GNU/Linux 12 (bookworm).
std::string os_pretty_name() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    auto value = line.substr(12);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return "";
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// haven's version, the plugins this install loads (and refuses), the kernel and the release.
nlohmann::json node_versions() {
  nlohmann::json j;
  j["haven"] = HAVEN_VERSION;
  PluginHost host;
  host.scan(PluginHost::default_search_path());
  j["plugins"] = nlohmann::json::array();
  for (const auto& p : host.plugins())
    j["plugins"].push_back({{"name", p.name}, {"kind", p.kind}, {"version", p.version}, {"file", p.file.string()}});
  j["plugins_refused"] = nlohmann::json::array();
  for (const auto& f : host.failures())
    j["plugins_refused"].push_back({{"file", f.file.string()}, {"message", f.error.message}});
  utsname u{};
  if (::uname(&u) == 0)
    j["kernel"] = {{"sysname", u.sysname}, {"release", u.release}, {"version", u.version}, {"machine", u.machine}};
  j["hostname"] = u.nodename;
  j["debian_version"] = trimmed(read_text("/etc/debian_version"));
  j["os"] = os_pretty_name();
  return j;
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &tm);
  return buf;
}

struct SnapshotOptions {
  std::string module;
  std::string file;
  int timeout_s = 10;
};

// What the snapshot holds, first for the person who opens it.
std::string manifest_text(const std::vector<std::string>& modules, const std::vector<std::string>& names,
                          const std::vector<SnapshotSkip>& skipped, const std::vector<std::string>& unavailable,
                          const HavenPaths& paths) {
  std::string t = "haven " + std::string(HAVEN_VERSION) + " support snapshot, taken " + now_text() + "\n";
  t += "node root: " + (paths.root().empty() ? std::string("the system folders") : paths.root().string()) + "\n";
  t += "modules:";
  for (const auto& m : modules) t += " " + m;
  t += modules.empty() ? " none installed\n" : "\n";
  t += "\nThe cluster key is never in a snapshot.\n";
  t += "node/: cluster.xml, modules.json (ids), havend.log and its rotated files, folders.json (haven -p).\n";
  t += "modules/M/: log/ (module.log, verbose.log, userlog.ulog, rotated files, agent.out), module/ (conf/ and bin/ as "
       "installed), state.json (haven state --json), resources.json (haven get --json), replication.json, "
       "checkers.json, processes.json, knowledge.json, boot.json, agent.state, dumps/ (the last haven dump folders).\n";
  t += "versions.json: haven, plugins, kernel, release.\n";
  if (!unavailable.empty()) {
    t += "\nNot available when the snapshot was taken:\n";
    for (const auto& u : unavailable) t += "  " + u + "\n";
  }
  if (!skipped.empty()) {
    t += "\nLeft out:\n";
    for (const auto& s : skipped) t += "  " + s.file.string() + ": " + s.reason + "\n";
  }
  t += "\nEntries:\n";
  for (const auto& n : names) t += "  " + n + "\n";
  return t;
}

// Progress goes to standard error, so that --json output stays one document.
void progress(const std::string& line) {
  std::cerr << "haven snapshot: " << line << "\n";
}

void run_snapshot(CliContext& ctx, const SnapshotOptions& opts) {
  const auto paths = ctx.paths();
  auto modules = diagnosed_modules(ctx, opts.module);
  if (!modules.ok()) return ctx.report_error(modules.error());
  std::error_code ec;
  const auto file = std::filesystem::absolute(opts.file, ec).lexically_normal();
  if (file.extension() != ".zip")
    return ctx.report_error(fail(Errc::invalid_argument, "the snapshot file " + opts.file +
                                                             " must end in .zip (e.g. /tmp/snapshot-web.zip)"));
  auto zip = ZipWriter::create(file);
  if (!zip.ok()) return ctx.report_error(zip.error());

  std::vector<std::string> names, unavailable;
  auto add_text = [&](const std::string& name, const std::string& content) -> Status {
    if (auto st = zip->add_text(name, content); !st.ok()) return st;
    names.push_back(name);
    return ok_status();
  };
  for (const auto& m : *modules) {
    progress("module " + m + ": state, resources and processes (asking havend)");
    auto facts = gather_module_facts(ctx, m, opts.timeout_s);
    for (const auto& u : facts.unavailable) unavailable.push_back("module " + m + ": " + u);
    for (const auto& f : facts.files)
      if (auto st = add_text("modules/" + m + "/" + f.name, f.content); !st.ok()) return ctx.report_error(st.error());
  }
  auto files = snapshot_files(paths, *modules);
  progress("logs, configuration and dumps: " + std::to_string(files.entries.size()) + " files");
  for (const auto& e : files.entries) {
    auto st = zip->add_file(e.name, e.source);
    if (st.ok()) {
      names.push_back(e.name);
    } else if (st.error().code == Errc::not_found) {
      files.skipped.push_back({e.source, "vanished while the snapshot was taken (a log rotated away)"});
    } else {
      return ctx.report_error(fail(st.error().code, "snapshot " + file.string() + ": " + st.error().message));
    }
  }
  progress("versions and folders");
  if (auto st = add_text("versions.json", node_versions().dump(2) + "\n"); !st.ok()) return ctx.report_error(st.error());
  const auto folders = node_folders_json(paths, executable_dir(), PluginHost::default_search_path());
  if (auto st = add_text("node/folders.json", folders.dump(2) + "\n"); !st.ok()) return ctx.report_error(st.error());
  names.insert(names.begin(), "MANIFEST.txt");
  if (auto st = zip->add_text("MANIFEST.txt", manifest_text(*modules, names, files.skipped, unavailable, paths)); !st.ok())
    return ctx.report_error(st.error());
  progress("writing " + file.string());
  auto size = zip->commit();
  if (!size.ok()) return ctx.report_error(size.error());

  if (ctx.json) {
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : files.skipped) skipped.push_back({{"file", s.file.string()}, {"reason", s.reason}});
    return ctx.print_json({{"ok", true},
                           {"file", file.string()},
                           {"size", *size},
                           {"entries", names},
                           {"modules", *modules},
                           {"unavailable", unavailable},
                           {"skipped", skipped}});
  }
  std::cout << "snapshot written: " << file.string() << " (" << names.size() << " entries, " << human_bytes(*size)
            << ")\n";
  for (const auto& u : unavailable) std::cout << "  not in it: " << u << "\n";
}

}  // namespace

Result<std::vector<std::string>> diagnosed_modules(const CliContext& ctx, const std::string& module) {
  ModuleStore store(ctx.paths());
  if (!module.empty()) {
    auto entry = store.find(module);
    if (!entry.ok()) return std::move(entry).error();
    return std::vector<std::string>{entry->name};
  }
  auto all = store.list();
  if (!all.ok()) return std::move(all).error();
  std::vector<std::string> names;
  for (const auto& e : *all) names.push_back(e.name);
  return names;
}

void print_node_folders(CliContext& ctx) {
  const auto folders = node_folders_json(ctx.paths(), executable_dir(), PluginHost::default_search_path());
  if (ctx.json) return ctx.print_json(folders);
  std::cout << node_folders_text(folders);
}

void add_snapshot_command(CLI::App& app, CliContext& ctx) {
  auto opts = std::make_shared<SnapshotOptions>();
  auto* cmd = app.add_subcommand(
      "snapshot",
      "Write a zip for a support request: the module's logs (rotated ones too), its configuration and hooks, "
      "cluster.xml (never the cluster key), havend.log, its state, resources and processes as havend gives them now, "
      "its last dumps, and the versions of haven, its plugins, the kernel and Debian");
  cmd->add_option("-m", opts->module, "Only this module (default: every installed module)")->type_name("MODULE");
  cmd->add_option("file", opts->file, "The zip to write, e.g. /tmp/snapshot-web.zip (replaced whole, or not at all)")
      ->required()
      ->type_name("FILE.zip");
  cmd->add_option("--timeout", opts->timeout_s, "Seconds to wait for each answer of havend")->default_val(10);
  cmd->callback([&ctx, opts] { run_snapshot(ctx, *opts); });
}

}  // namespace haven::cli
