// Everything an agent reads before it starts a module: its configuration turned into the
// behaviour's settings, the hook environment and timeouts, and the script engines.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/haven_paths.hpp"
#include "agent/peer_link.hpp"
#include "config/user_config.hpp"
#include "haven/behaviour.hpp"
#include "haven/result.hpp"
#include "plugin_host/plugin_host.hpp"

namespace haven {

struct ModuleSetup {
  ServiceSettings settings;
  std::filesystem::path bin_dir;                       ///< SAFEUSERBIN
  std::map<std::string, std::string> hook_env;         ///< the hooks' whole environment
  std::chrono::milliseconds nice_stop_timeout{300000};
  std::chrono::milliseconds force_stop_timeout{300000};
  std::optional<std::chrono::milliseconds> start_timeout;
  std::vector<std::string> script_extensions;          ///< claimed by the loaded engines
  std::vector<std::string> warnings;                   ///< configuration warnings, for the log
  std::optional<PeerLinkConfig> peer_link;             ///< the peer's heartbeat; none when alone
  bool replicates = false;                             ///< the module has <rfs> directories
  std::optional<config::RfsConfig> rfs;                ///< the module's <rfs>, when it replicates
  /// Where replication flows, when the module replicates and has a peer: this node's and the
  /// peer's address on the flow lan (<flow name>, else the heartbeat with ident="flow", else
  /// the first), and the module's first replication port (5600 + (id - 1) * 4).
  std::string flow_local_address;
  std::string flow_peer_address;
  std::uint16_t replication_port = 0;
};

/// What load_module_setup derives beyond this node's own part.
enum class SetupScope {
  local,           ///< no peer link: the crash clean-up, or a behaviour that finds no peer by heartbeats
  with_peer_link,  ///< also the heartbeat peer from cluster.xml (names resolved), and the replication flow
};

/// Reads the installed module's userconfig.xml and derives the setup. Errors name the file.
Result<ModuleSetup> load_module_setup(const HavenPaths& paths, const std::string& module,
                                      const std::string& node, PluginHost& plugins,
                                      SetupScope scope = SetupScope::with_peer_link);

}  // namespace haven
