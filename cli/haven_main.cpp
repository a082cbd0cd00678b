// haven: the command line. Also answers to its legacy name `safekit`, so that scripts
// written for the seed product ("%SAFE%safekit" printi "...") work unchanged.
#include <iostream>
#include <string_view>
#include <vector>

#include "boot_commands.hpp"
#include "cli_context.hpp"
#include "diagnostic_commands.hpp"
#include "module_config_commands.hpp"
#include "module_export_command.hpp"
#include "remote_fanout.hpp"

int main(int argc, char** argv) {
  // The seed's `-G` (push the cluster configuration) and `-E M` (export a module) are options,
  // not commands: they become the hidden commands cluster-push and module-export, so that -H
  // fans them out like any other.
  std::vector<char*> args(argv, argv + argc);
  static char push_command[] = "cluster-push";
  static char export_command[] = "module-export";
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (std::string_view(args[i]) == "-G") args[i] = push_command;
    if (std::string_view(args[i]) == "-E") args[i] = export_command;
  }
  argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  argv = args.data();
  CLI::App app{"haven: high availability for applications on ordinary servers, without shared disk.\n"
               "Install modules, start them as primary or secondary, watch their state."};
  // One command, or none with -p.
  app.require_subcommand(0, 1);
  app.fallthrough();
  haven::cli::CliContext ctx;
  bool print_folders = false;
  app.add_flag("-p", print_folders,
               "Print this node's folders (binaries, plugins, modules, var, logs, config) as shell assignments, "
               "like the seed's safekit -p; with --json, as JSON");
  app.add_option("--root", ctx.root, "This node's root folder (default: $HAVEN_ROOT, else the system folders)")
      ->type_name("DIR");
  app.add_flag("--json", ctx.json, "Print machine-readable JSON");
  app.add_option("-H", ctx.hosts,
                 "Run the command on other nodes through their havend (authenticated with the cluster key): "
                 "\"*\" for every node of cluster.xml, or node1,node2. Output per node; exit 0 only if all succeeded. "
                 "-H NODES -G pushes this node's cluster.xml to them; -H NODES -E M installs this node's module M on them "
                 "(same id) and configures it")
      ->type_name("NODES");
  app.add_option("--target", ctx.target, "Internal to -H: the node whose havend answers")->group("");
  app.set_version_flag("--version", std::string("haven ") + HAVEN_VERSION);

  haven::cli::add_module_commands(app, ctx);
  haven::cli::add_config_commands(app, ctx);
  haven::cli::add_module_config_commands(app, ctx);
  haven::cli::add_module_export_command(app, ctx);
  haven::cli::add_plugin_commands(app, ctx);
  haven::cli::add_control_commands(app, ctx);
  haven::cli::add_log_commands(app, ctx);
  haven::cli::add_cluster_commands(app, ctx);
  haven::cli::add_resource_commands(app, ctx);
  haven::cli::add_replication_commands(app, ctx);
  haven::cli::add_boot_commands(app, ctx);
  haven::cli::add_snapshot_command(app, ctx);
  haven::cli::add_dump_command(app, ctx);

  // Runs before any command's callback: with -H the command runs in one child per node instead.
  app.parse_complete_callback([&] {
    const auto used = app.get_subcommands();
    if (used.empty()) return;
    if (auto code = haven::cli::fan_out_if_asked(ctx, used.front()->get_name(), argc, argv))
      throw haven::cli::FanoutDone{*code};
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const haven::cli::FanoutDone& done) {
    return done.exit_code;
  }
  if (app.get_subcommands().empty()) {
    if (!print_folders) {
      std::cerr << app.help() << "\nhaven: a command is required (or -p for the node's folders)\n";
      return 2;
    }
    haven::cli::print_node_folders(ctx);
  }
  return ctx.exit_code;
}
