// What every `haven` command shares: the node's paths, output mode, and how to talk to havend.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/haven_paths.hpp"
#include "control/control_message.hpp"
#include "haven/result.hpp"

namespace haven::cli {

struct CliContext {
  std::optional<std::string> root;  ///< --root
  bool json = false;                ///< --json
  std::string hosts;                ///< -H: run the command on these nodes (remote_fanout.cpp)
  std::string target;               ///< --target (hidden): the node whose havend answers
  int exit_code = 0;                ///< what main returns

  HavenPaths paths() const { return HavenPaths::resolve(root); }

  /// Sends a request to this node's havend, or with --target NODE through it to NODE's havend
  /// (the `relay` command: the cluster key stays with havend). The error explains how to
  /// start havend, or names the node that could not be reached and why.
  Result<ControlResponse> ask_daemon(const ControlRequest& request, int timeout_s = 30) const;

  /// Prints an error for a person (stderr) or as JSON (stdout) and sets exit_code.
  void report_error(const Error& error);
  /// Prints a JSON document (pretty) to stdout.
  void print_json(const nlohmann::json& j) const;
};

/// The module named by -m, else $SAFEMODULE (set for hooks), else an error saying so.
Result<std::string> module_or_env(const std::string& flag, const std::string& command);

/// The help line of a command of control/command_registry.hpp (the CLI's own words for it).
std::string summary_of(std::string_view command);

/// Each group of commands adds its subcommands to the app.
void add_module_commands(CLI::App& app, CliContext& ctx);
void add_config_commands(CLI::App& app, CliContext& ctx);
void add_plugin_commands(CLI::App& app, CliContext& ctx);
void add_control_commands(CLI::App& app, CliContext& ctx);
void add_log_commands(CLI::App& app, CliContext& ctx);
void add_cluster_commands(CLI::App& app, CliContext& ctx);
void add_resource_commands(CLI::App& app, CliContext& ctx);
void add_replication_commands(CLI::App& app, CliContext& ctx);

}  // namespace haven::cli
