// haven: the command line. Also answers to its legacy name `safekit`, so that scripts
// written for the seed product ("%SAFE%safekit" printi "...") work unchanged.
#include <iostream>

#include "cli_context.hpp"

int main(int argc, char** argv) {
  CLI::App app{"haven: high availability for applications on ordinary servers, without shared disk.\n"
               "Install modules, start them as primary or secondary, watch their state."};
  app.require_subcommand(1);
  app.fallthrough();
  haven::cli::CliContext ctx;
  app.add_option("--root", ctx.root, "This node's root folder (default: $HAVEN_ROOT, else the system folders)")
      ->type_name("DIR");
  app.add_flag("--json", ctx.json, "Print machine-readable JSON");
  app.set_version_flag("--version", std::string("haven ") + HAVEN_VERSION);

  haven::cli::add_module_commands(app, ctx);
  haven::cli::add_config_commands(app, ctx);
  haven::cli::add_plugin_commands(app, ctx);
  haven::cli::add_control_commands(app, ctx);
  haven::cli::add_log_commands(app, ctx);
  haven::cli::add_cluster_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return ctx.exit_code;
}
