// Where a node keeps its world: configuration, installed modules, state, sockets, logs.
//
// With a root folder (--root DIR or HAVEN_ROOT) everything lives under DIR, so several
// nodes can share one machine in tests; otherwise the usual system places are used.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace haven {

class HavenPaths {
 public:
  /// /etc/haven, /var/lib/haven, /run/haven, /var/log/haven.
  static HavenPaths system();
  /// DIR/etc, DIR/lib, DIR/run, DIR/log.
  static HavenPaths under(const std::filesystem::path& root);
  /// `--root` when given, else $HAVEN_ROOT when set, else the system places.
  static HavenPaths resolve(const std::optional<std::string>& root_flag);

  /// Empty for the system layout.
  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& conf_dir() const { return conf_; }
  const std::filesystem::path& state_dir() const { return state_; }
  const std::filesystem::path& run_dir() const { return run_; }
  const std::filesystem::path& log_dir() const { return log_; }

  /// cluster.xml of this node.
  std::filesystem::path cluster_config() const { return conf_ / "cluster.xml"; }
  /// The cluster key (`haven cluster genkey`).
  std::filesystem::path cluster_key() const { return conf_ / "cluster.key"; }
  /// Folder holding one folder per installed module.
  std::filesystem::path modules_dir() const { return state_ / "modules"; }
  /// An installed module: conf/userconfig.xml and bin/.
  std::filesystem::path module_dir(const std::string& module) const { return modules_dir() / module; }
  /// The module registry (names and ids).
  std::filesystem::path module_registry() const { return state_ / "modules.json"; }
  /// What this node knows of a module's data (up to date, last role, generation).
  std::filesystem::path knowledge_file(const std::string& module) const {
    return state_ / "knowledge" / (module + ".json");
  }
  /// SAFEVAR: the node's variable data; SAFEUSERVAR is its modules/<name> subfolder.
  std::filesystem::path var_dir() const { return state_ / "var"; }
  std::filesystem::path module_var_dir(const std::string& module) const {
    return var_dir() / "modules" / module;
  }
  /// The daemon's control socket.
  std::filesystem::path daemon_socket() const { return run_ / "havend.sock"; }
  /// The daemon's pid file.
  std::filesystem::path daemon_pid_file() const { return run_ / "havend.pid"; }
  /// A module agent's control socket.
  std::filesystem::path agent_socket(const std::string& module) const {
    return run_ / "agents" / (module + ".sock");
  }
  /// The state a module's agent last entered (read after the agent crashed, to clean up).
  std::filesystem::path agent_state_file(const std::string& module) const {
    return run_ / "agents" / (module + ".state");
  }
  /// Folder of a module's logs: module.log, verbose.log, userlog.ulog.
  std::filesystem::path module_log_dir(const std::string& module) const {
    return log_ / "modules" / module;
  }
  /// The daemon's own log.
  std::filesystem::path daemon_log() const { return log_ / "havend.log"; }

 private:
  std::filesystem::path root_, conf_, state_, run_, log_;
};

/// Where the running executable was installed: the parent of its bin/ folder.
std::filesystem::path install_prefix();
/// The folder of the running executable (SAFE and SAFEBIN point here).
std::filesystem::path executable_dir();
/// The plugin folder of this install: <prefix>/lib/haven/plugins.
std::filesystem::path installed_plugin_dir();

}  // namespace haven
