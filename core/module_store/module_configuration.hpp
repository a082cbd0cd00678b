// Applying an installed module's configuration on a node (`haven config -m M`, and
// `haven -H NODES -E M` on the receiving node): the seed product's configure step.
//
// A module's *current* configuration is its conf/userconfig.xml; its *active* one is the copy
// recorded when it was last applied, in SAFEUSERVAR/applied/ (userconfig.xml and applied.json
// with the signature and time). Applying checks the file, runs the module's `config` hook,
// records the copy, archives the module in SAFEVAR/modules/lastconfig (the newest
// kLastConfigsKept are kept) and runs `postconfig`. Deconfiguring runs `deconfig` and forgets
// the record. Whether the module may be (de)configured now (it must be stopped) is the
// caller's judgment: havend knows its agents, the CLI asks havend.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/haven_paths.hpp"
#include "haven/result.hpp"
#include "hooks/hook_runner.hpp"

namespace haven {

/// Checks a module's userconfig.xml text before it is applied; an error refuses, its message
/// returned as is. `label` names the file in diagnostics.
using ConfigurationCheck = std::function<Status(const std::string& text, const std::string& label)>;

/// The signature of a configuration: the first 8 bytes of SHA-256 of the file's bytes, in
/// hex (as cluster.xml's): equal signatures mean byte-identical files.
std::string module_config_signature(const std::string& text);

/// SAFEUSERVAR/applied: the active configuration's copy and its record.
std::filesystem::path applied_config_dir(const HavenPaths& paths, const std::string& module);

/// What `haven confinfo -m M` shows.
struct ConfigurationInfo {
  std::string module;
  std::optional<std::string> active;      ///< signature of the applied configuration; none: never applied
  std::optional<std::string> applied_at;  ///< when it was applied (UTC, ISO 8601)
  std::string current;                    ///< signature of conf/userconfig.xml now
  bool differs() const { return !active || *active != current; }
};

/// The active and current signatures of installed `module`; not_found when it is not
/// installed, io_error when its userconfig.xml cannot be read.
Result<ConfigurationInfo> configuration_info(const HavenPaths& paths, const std::string& module);

/// One hook run by a (de)configuration.
struct ConfigHookRun {
  std::string hook;       ///< "config", "postconfig", "deconfig"
  std::filesystem::path file;
  int exit_code = 0;
  bool timed_out = false;
  std::string output_tail;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

/// How hooks are found and run: `script_extensions` as the loaded script engines claim them
/// (installed_script_extensions()), `node` for HAVEN_NODE (empty: not set), `runner` with
/// its defaults (haven-hook beside the running program).
struct ConfigHookSettings {
  std::vector<std::string> script_extensions;
  std::string node;
  HookRunnerOptions runner;
};

/// The extensions of the script engine plugins found in PluginHost::default_search_path().
std::vector<std::string> installed_script_extensions();

/// What configure_module did.
struct ConfigureOutcome {
  std::string module;
  std::string signature;
  std::optional<std::string> previous;  ///< the signature active before, if any
  std::filesystem::path lastconfig;     ///< the archive written
  std::vector<std::filesystem::path> lastconfig_removed;
  std::vector<ConfigHookRun> hooks;     ///< in the order run (absent hooks are not listed)
  bool hooks_enabled = true;            ///< false: the configuration has no <user>, so no hook runs
  /// Set when postconfig failed: the configuration is applied all the same.
  std::string postconfig_error;
};

/// Applies installed `module`'s configuration (see the header comment). Refused, with
/// nothing recorded, when `check` fails or the `config` hook fails (its exit code and last
/// output in the message). Hooks run only when the configuration has a <user> element, as
/// at start; each is bounded by <user forcestoptimeout>, its output in the user log.
Result<ConfigureOutcome> configure_module(const HavenPaths& paths, const std::string& module,
                                          const ConfigurationCheck& check, const ConfigHookSettings& hooks,
                                          std::chrono::system_clock::time_point now);

/// `haven update -m M`: applies installed `module`'s changed configuration while it runs
/// (the caller has checked it is ALONE(Ready) or WAIT(NotReady)). Refused, with nothing
/// recorded, when it was never configured, when the file did not change, when `check` fails,
/// when a change is one the seed allows only on a stopped module (dynamic_change.hpp; the
/// message names each), or when the `update` hook fails. Otherwise runs `update`, then
/// records the file as active and keeps it in lastconfig, as configure_module does. The
/// running agent is not told: it reads the file again at its next start.
Result<ConfigureOutcome> update_module_configuration(const HavenPaths& paths, const std::string& module,
                                                     const ConfigurationCheck& check, const ConfigHookSettings& hooks,
                                                     std::chrono::system_clock::time_point now);

/// What deconfigure_module did.
struct DeconfigureOutcome {
  std::string module;
  std::optional<std::string> forgotten;  ///< the signature that was active, if any
  std::vector<ConfigHookRun> hooks;
};

/// Runs installed `module`'s `deconfig` hook (when present and hooks are enabled), then
/// forgets its applied configuration. A failing hook is an error and nothing is forgotten.
Result<DeconfigureOutcome> deconfigure_module(const HavenPaths& paths, const std::string& module,
                                              const ConfigHookSettings& hooks);

/// JSON forms for --json and havend's answers.
nlohmann::json to_json(const ConfigurationInfo& info);
nlohmann::json to_json(const ConfigHookRun& run);
nlohmann::json to_json(const ConfigureOutcome& outcome);
nlohmann::json to_json(const DeconfigureOutcome& outcome);

}  // namespace haven
