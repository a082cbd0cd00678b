#include "module_export_command.hpp"

#include <unistd.h>

#include <iostream>

#include "common/atomic_file.hpp"
#include "module_store/base64_text.hpp"
#include "module_store/module_store.hpp"
#include "remote/remote_envelope.hpp"

namespace haven::cli {
namespace {

namespace fs = std::filesystem;

static_assert(kMaxExportedArchiveBytes / 3 * 4 + 64 * 1024 < kMaxRemoteFrameSize,
              "an exported archive in base64, with its request, must fit in one remote frame");

// Importing installs, then runs the config hooks: allow them their time.
constexpr int kImportTimeoutS = 600;

// The module as a .safe archive's bytes, through a temporary file removed at once.
Result<std::string> packed_module(const CliContext& ctx, const std::string& module) {
  ModuleStore store(ctx.paths());
  std::error_code ec;
  const auto dir = ctx.paths().run_dir();
  fs::create_directories(dir, ec);
  const auto file = dir / (".export-" + module + "-" + std::to_string(::getpid()) + ".safe");
  auto st = store.package(module, file);
  if (!st.ok()) return std::move(st).error();
  auto bytes = read_file(file);
  fs::remove(file, ec);
  return bytes;
}

}  // namespace

void add_module_export_command(CLI::App& app, CliContext& ctx) {
  auto module = std::make_shared<std::string>();
  auto* exp = app.add_subcommand("module-export", summary_of("module-export"));
  exp->group("");
  exp->add_option("module", *module, "The installed module")->required()->type_name("MODULE");
  exp->callback([&ctx, module] {
    if (ctx.target.empty())
      return ctx.report_error(fail(Errc::invalid_argument, "-E " + *module + " sends this node's module " + *module +
                                                               " to other nodes: give them with -H \"*\" or -H node1,node2"));
    auto entry = ModuleStore(ctx.paths()).find(*module);
    if (!entry.ok()) return ctx.report_error(entry.error());
    auto bytes = packed_module(ctx, *module);
    if (!bytes.ok()) return ctx.report_error(bytes.error());
    if (bytes->size() > kMaxExportedArchiveBytes)
      return ctx.report_error(fail(Errc::refused, "module " + *module + " packs into " + std::to_string(bytes->size()) +
                                                      " bytes, more than the " + std::to_string(kMaxExportedArchiveBytes) +
                                                      " -E can send over the cluster channel: copy the archive yourself "
                                                      "(haven module package -m " + *module + " M.safe), then on each node "
                                                      "haven module install M.safe -m " + *module + " -M " +
                                                      std::to_string(entry->id) + " -r and haven config -m " + *module));
    ControlRequest req;
    req.command = "module-import";
    req.args = {{"name", *module}, {"id", entry->id}, {"archive", base64_encode(*bytes)}};
    auto r = ctx.ask_daemon(req, kImportTimeoutS);
    if (!r.ok()) return ctx.report_error(r.error());
    if (!r->ok) return ctx.report_error(Error{r->code, r->message});
    if (ctx.json) return ctx.print_json(r->data);
    std::cout << r->message << "\n";
    if (r->data.is_object() && r->data.contains("postconfig_error")) {
      std::cerr << "haven: " << r->data["postconfig_error"].get<std::string>() << "\n";
      ctx.exit_code = 1;
    }
  });
}

}  // namespace haven::cli
