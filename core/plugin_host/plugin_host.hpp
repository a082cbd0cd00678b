// Finds, checks and loads plugins, and makes objects from them.
//
// A library is accepted only when it exports `haven_plugin_entry` and its descriptor's ABI
// major equals the host's, its minor is not newer, and its toolchain tag is identical; all
// of that is read before any C++ code of the plugin runs. A refused library is recorded
// with an error naming the file, and loading goes on with the others.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "haven/behaviour.hpp"
#include "haven/checker.hpp"
#include "haven/host_context.hpp"
#include "haven/plugin.hpp"
#include "haven/result.hpp"
#include "haven/script_engine.hpp"
#include "haven/application.hpp"

namespace haven {

/// What `haven plugins list` shows of one accepted plugin.
struct PluginInfo {
  std::string name;      ///< "haven.script.lua"
  std::string kind;      ///< "script", "checker", "behaviour", "application"
  std::string version;   ///< the plugin's own version
  std::string summary;   ///< one line
  std::filesystem::path file;
  unsigned abi_major = 0;
  unsigned abi_minor = 0;
  std::string toolchain;
};

/// A library that was refused, and why.
struct PluginLoadFailure {
  std::filesystem::path file;
  Error error;
};

class PluginHost {
 public:
  PluginHost();
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  /// The install's plugin folder, then each folder of $HAVEN_PLUGIN_PATH (colon-separated).
  static std::vector<std::filesystem::path> default_search_path();

  /// Loads every `*.so` directly inside each folder (missing folders are skipped). A name
  /// already loaded is refused as a duplicate, naming both files.
  void scan(const std::vector<std::filesystem::path>& folders);

  /// Loads one library; the error names the file and what was wrong with it.
  Result<PluginInfo> load_file(const std::filesystem::path& file);

  /// Accepted plugins, in load order.
  std::vector<PluginInfo> plugins() const;
  /// Refused libraries, in load order.
  const std::vector<PluginLoadFailure>& failures() const { return failures_; }
  /// The accepted plugin with this name, or nullptr.
  const PluginInfo* find(std::string_view name) const;

  /// Makes an object of the named plugin. `host` is kept alive as long as the object, and
  /// so is the plugin's library. Errors: not_found (no such plugin), invalid_argument
  /// (the plugin is of another kind), or the factory's own error.
  Result<std::shared_ptr<ScriptEngine>> make_script_engine(std::string_view name, std::shared_ptr<HostContext> host);
  /// A checker plugin's factory (the owner of its element); `host` gives it a log, no
  /// configuration.
  Result<std::shared_ptr<CheckerFactory>> make_checker_factory(std::string_view name, std::shared_ptr<HostContext> host);
  /// A checker for the element `host->config()`: the plugin's factory, then its make().
  Result<std::shared_ptr<Checker>> make_checker(std::string_view name, std::shared_ptr<HostContext> host);
  Result<std::shared_ptr<Behaviour>> make_behaviour(std::string_view name, std::shared_ptr<HostContext> host);
  Result<std::shared_ptr<Application>> make_application(std::string_view name, std::shared_ptr<HostContext> host);

  /// An object of the application plugin whose kind() is `kind` ("postgresql"), or
  /// not_found naming the kinds the loaded application plugins make.
  Result<std::shared_ptr<Application>> make_application_for(std::string_view kind, std::shared_ptr<HostContext> host);

  /// The script engine plugin whose object claims this file extension (".lua"; "" for an
  /// executable without extension), or not_found.
  Result<std::shared_ptr<ScriptEngine>> make_script_engine_for(std::string_view extension, std::shared_ptr<HostContext> host);

 private:
  struct Loaded;
  Result<std::shared_ptr<PluginObject>> make(std::string_view name, std::string_view kind,
                                             std::shared_ptr<HostContext> host);
  std::vector<std::unique_ptr<Loaded>> loaded_;
  std::vector<PluginLoadFailure> failures_;
};

}  // namespace haven
