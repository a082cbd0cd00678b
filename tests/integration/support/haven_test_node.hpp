// One haven node for a test: a fresh root folder under /tmp and its own havend, both
// removed when the node goes out of scope, also when an assertion failed on the way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "common/haven_paths.hpp"

namespace haven::test {

/// $HAVEN_BUILD_DIR and $HAVEN_SOURCE_DIR, set by CTest; throws when unset.
std::filesystem::path build_dir();
std::filesystem::path source_dir();
/// A program of the build: build_dir()/bin/NAME.
std::filesystem::path build_program(const std::string& name);

using Env = std::map<std::string, std::optional<std::string>>;

class HavenTestNode {
 public:
  /// Makes the root (short: Unix socket paths are limited to 107 bytes), starts
  /// `havend --root R --node node1` and waits until it answers. Throws with havend's
  /// output when it does not come up.
  HavenTestNode();
  /// The same for node `node` of a cluster: `cluster_xml` is written to the root's
  /// etc/cluster.xml before havend starts.
  HavenTestNode(const std::string& node, const std::string& cluster_xml);
  /// The same with `node_env` added to havend's environment (its agents and hooks inherit it)
  /// and to every command this node runs: a variable a userconfig.xml expands (%NAME%) can
  /// then differ per node, e.g. the path of a replicated directory on one machine.
  HavenTestNode(const std::string& node, const std::string& cluster_xml, Env node_env);
  /// Stops havend (SIGTERM, bounded wait, then SIGKILL), kills whatever still carries the
  /// root (agents, hooks, their children), removes the root.
  ~HavenTestNode();
  HavenTestNode(const HavenTestNode&) = delete;
  HavenTestNode& operator=(const HavenTestNode&) = delete;

  const std::filesystem::path& root() const { return root_; }
  const HavenPaths& paths() const { return paths_; }
  pid_t havend_pid() const { return havend_; }
  /// A scratch folder under the root for module sources and command output.
  std::filesystem::path work_dir() const { return root_ / "work"; }

  /// Runs `haven --root R ARGS...` with the test environment plus `env`.
  CommandResult haven(const std::vector<std::string>& args, const Env& env = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  /// Runs any program (argv[0] a path) with the test environment plus `env`.
  CommandResult run(const std::vector<std::string>& argv, const Env& env = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  /// `haven --root R --json ARGS...`, its stdout parsed; throws (with the output) when
  /// stdout is not JSON.
  nlohmann::json haven_json(const std::vector<std::string>& args) const;
  /// The module's entry of `haven state -m M --json`.
  nlohmann::json module_state(const std::string& module) const;
  /// Waits up to `timeout` for the module to be in `state` with `substate` (any substate
  /// when empty); returns the last state seen.
  nlohmann::json wait_for_state(const std::string& module, const std::string& state, const std::string& substate,
                                std::chrono::milliseconds timeout) const;

  std::filesystem::path module_log(const std::string& module) const;
  std::filesystem::path user_log(const std::string& module) const;
  /// $SAFEUSERVAR/record: where the recording hooks write.
  std::filesystem::path record_file(const std::string& module) const;

 private:
  void stop_daemon();
  void kill_leftovers() const;

  std::filesystem::path root_;
  HavenPaths paths_;
  pid_t havend_ = -1;
  Env node_env_;
  mutable int command_count_ = 0;
};

/// The lines of a file, without their newlines; empty when it cannot be read.
std::vector<std::string> read_lines(const std::filesystem::path& file);

}  // namespace haven::test
