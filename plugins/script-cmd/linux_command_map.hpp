// Windows commands a seed hook uses, and what they become on Linux: `net start X` ->
// `systemctl start x`, `timeout /t 5` -> a 5 s sleep, the seed's SAFEBIN helpers -> their
// haven or coreutils equivalents, or a clear refusal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace haven::cmd {

/// Windows service names to systemd unit names, from "MSSQL$X=mssql-server;W3SVC=nginx"
/// (keys case-insensitive). A name not in the map becomes itself lowercased.
class ServiceMap {
 public:
  ServiceMap() = default;
  explicit ServiceMap(std::string_view spec);
  std::string unit_for(std::string_view windows_name) const;

 private:
  std::map<std::string, std::string> units_;  // UPPER windows name -> unit
};

struct MappedCommand {
  enum class Kind { run, sleep, unsupported, fail };
  Kind kind = Kind::run;
  std::vector<std::string> argv;  ///< run: argv[0] is looked up in PATH
  long long seconds = 0;          ///< sleep
  /// unsupported: what is not supported and what to do instead; fail: the line for stderr
  std::string message;
  int fail_code = 1;              ///< fail: the errorlevel, as the Windows command would set it
  /// run: exit code translation, e.g. coreutils timeout's 124 is boundcmd's 2.
  std::optional<std::pair<int, int>> exit_code_map;
};

/// Commands mapped before any PATH search, because Linux has unrelated programs under the same
/// name (`net` from Samba, coreutils `timeout`). `name` is lowercase, without ".exe";
/// `args` are split and unquoted. nullopt: not such a command, search PATH.
std::optional<MappedCommand> map_windows_command(std::string_view name, const std::vector<std::string>& args,
                                                 const ServiceMap& services);

/// Windows `find "text"` and `findstr`, which Windows scripts pipe into, as grep. `tokens`
/// keep their quotes (a Windows find names its text in quotes: GNU find is left alone).
/// nullopt: not a Windows text search.
std::optional<MappedCommand> map_text_search(std::string_view name, const std::vector<std::string>& tokens);

/// The seed's helper commands (`%SAFEBIN%sleep`, `boundcmd`, `processtree`...), tried when no
/// program of that name exists. nullopt: not a helper.
std::optional<MappedCommand> map_seed_helper(std::string_view name, const std::vector<std::string>& args);

}  // namespace haven::cmd
