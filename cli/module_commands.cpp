// Modules: install, list, listid, uninstall (which keeps a backup), package.
#include <iostream>
#include <iomanip>

#include "cli_context.hpp"
#include "common/atomic_file.hpp"
#include "config_check.hpp"
#include "module_running.hpp"
#include "module_store/dated_archives.hpp"
#include "module_store/module_configuration.hpp"
#include "module_store/module_store.hpp"

namespace haven::cli {
namespace {

// A module is installed only when its configuration has no error; warnings are printed.
// Diagnostics name the archive, not the temporary folder it is unpacked into.
ModuleValidator configuration_validator(const CliContext& ctx, const std::string& archive) {
  return [&ctx, archive](const std::filesystem::path& staged) -> Status {
    auto text = read_file(staged / "conf" / "userconfig.xml");
    if (!text.ok()) return std::move(text).error();
    auto report = check_user_config_text(*text, archive + "!conf/userconfig.xml");
    if (int errors = count_errors(report); errors > 0) {
      std::string msg = "the module's configuration has " + std::to_string(errors) + " error(s); nothing was installed:";
      for (const auto& d : report)
        if (d.severity == config::Severity::error) msg += "\n  " + d.to_string();
      return fail(Errc::invalid_argument, msg);
    }
    if (!ctx.json)
      for (const auto& d : report) std::cerr << "  " << d.to_string() << "\n";
    return ok_status();
  };
}

}  // namespace

void add_module_commands(CLI::App& app, CliContext& ctx) {
  auto* module = app.add_subcommand("module", "Install, list, package and remove modules (.safe archives)");
  module->require_subcommand(1);

  struct InstallOptions {
    std::string file;
    std::string name;
    std::optional<int> id;
    bool replace = false;
  };
  auto inst = std::make_shared<InstallOptions>();
  auto* install = module->add_subcommand("install", "Install a module from a .safe archive (zip; tar also read)");
  install->add_option("file", inst->file, "The .safe archive")->required()->type_name("FILE");
  install->add_option("-m", inst->name, "Module name (default: the archive's name without .safe)")->type_name("NAME");
  install->add_option("-M", inst->id, "Force the module's id (it must be the same on every node)")->type_name("ID");
  install->add_flag("-r,--replace", inst->replace, "Replace an installed module of the same name (keeps its id)");
  install->callback([&ctx, inst] {
    ModuleStore store(ctx.paths());
    std::optional<std::string> name;
    if (!inst->name.empty()) name = inst->name;
    if (inst->replace && name && module_running(ctx, *name))
      return ctx.report_error(fail(Errc::refused, "module " + *name + " is running: stop it before replacing it (haven stop -m " + *name + ")"));
    auto entry = store.install(inst->file, name, inst->id, configuration_validator(ctx, inst->file), inst->replace);
    if (!entry.ok()) return ctx.report_error(entry.error());
    if (ctx.json) return ctx.print_json({{"ok", true}, {"module", to_json(*entry)}});
    std::cout << "installed module " << entry->name << " (id " << entry->id << ") in " << entry->dir.string() << "\n";
  });

  // list and listid differ only in the text they print; --json is the same for both.
  auto add_listing = [&ctx, module](const std::string& name, const std::string& help, bool with_ids) {
    module->add_subcommand(name, help)->callback([&ctx, with_ids] {
      ModuleStore store(ctx.paths());
      auto all = store.list();
      if (!all.ok()) return ctx.report_error(all.error());
      if (ctx.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& e : *all) j.push_back(to_json(e));
        return ctx.print_json(j);
      }
      for (const auto& e : *all) {
        if (!with_ids) {
          std::cout << e.name << "\n";
          continue;
        }
        std::cout << std::left << std::setw(24) << e.name << " id=" << e.id << "  heartbeat udp " << e.ports.heartbeat_udp
                  << ", replication tcp " << e.ports.replication_tcp << ", farm udp " << e.ports.farm_udp << "\n";
      }
    });
  };
  add_listing("list", "List the installed modules", false);
  add_listing("listid", "List the installed modules with their ids and ports", true);

  auto un_name = std::make_shared<std::string>();
  auto no_backup = std::make_shared<bool>(false);
  auto* uninstall = module->add_subcommand(
      "uninstall", "Remove an installed module (it must be stopped); it is first archived as a .safe in "
                   "SAFEVAR/modules/backup, which module install accepts back");
  uninstall->add_option("-m", *un_name, "The module")->required()->type_name("NAME");
  uninstall->add_flag("--no-backup", *no_backup, "Do not archive the module first");
  uninstall->callback([&ctx, un_name, no_backup] {
    if (module_running(ctx, *un_name))
      return ctx.report_error(fail(Errc::refused, "module " + *un_name + " is running: stop it first (haven stop -m " + *un_name + ")"));
    ModuleStore store(ctx.paths());
    std::string backup;
    if (!*no_backup) {
      auto written = write_dated_module_archive(store, *un_name, module_backup_dir(ctx.paths()),
                                                std::chrono::system_clock::now(), std::nullopt);
      if (!written.ok())
        return ctx.report_error(fail(written.error().code, written.error().message +
                                                                "; nothing was uninstalled (--no-backup to remove it without an archive)"));
      backup = written->file.string();
    }
    auto st = store.uninstall(*un_name);
    if (!st.ok()) return ctx.report_error(st.error());
    // A module installed again under this name starts unconfigured.
    std::error_code ec;
    std::filesystem::remove_all(applied_config_dir(ctx.paths(), *un_name), ec);
    if (ctx.json) {
      nlohmann::json j{{"ok", true}, {"module", *un_name}};
      j["backup"] = backup.empty() ? nlohmann::json(nullptr) : nlohmann::json(backup);
      return ctx.print_json(j);
    }
    std::cout << "uninstalled module " << *un_name << "\n";
    if (!backup.empty())
      std::cout << "backup: " << backup << " (haven module install " << backup << " -m " << *un_name << " puts it back)\n";
  });

  auto pk_name = std::make_shared<std::string>();
  auto pk_out = std::make_shared<std::string>();
  auto* package = module->add_subcommand("package", "Write an installed module as a .safe archive");
  package->add_option("-m", *pk_name, "The module")->required()->type_name("NAME");
  package->add_option("out", *pk_out, "The archive to write")->required()->type_name("OUT.safe");
  package->callback([&ctx, pk_name, pk_out] {
    ModuleStore store(ctx.paths());
    auto st = store.package(*pk_name, *pk_out);
    if (!st.ok()) return ctx.report_error(st.error());
    if (ctx.json) return ctx.print_json({{"ok", true}, {"module", *pk_name}, {"archive", *pk_out}});
    std::cout << "packaged module " << *pk_name << " into " << *pk_out << "\n";
  });
}

}  // namespace haven::cli
